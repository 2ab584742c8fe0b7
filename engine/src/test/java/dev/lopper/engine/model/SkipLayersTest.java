package dev.lopper.engine.model;

import dev.lopper.engine.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SkipLayersTest {
    static final Path GAP = TestData.inRepo("conformance/gap-q8_0.gguf");

    @Test
    void skippedBlocksDoNotRunAndTheNoticeNamesThoseThatDo() throws Exception {
        try (LlamaModel m = LlamaModel.load(GAP, Set.of(3))) {
            assertEquals(List.of(0, 1, 5), m.config().runningBlocks());
            assertEquals(List.of(3), m.config().skippedBlocks());
            assertEquals(List.of(2, 4), m.config().missingBlocks());
            assertEquals(3, m.weights().blocks().size());
            String notice = m.config().pruningNotice();
            assertTrue(notice.contains("4 of 6 blocks present"), notice);
            assertTrue(notice.contains("leaving out blocks [3]") && notice.contains("running 3 blocks [0-1, 5]"),
                    notice);
        }
    }

    @Test
    void aBlockTheFileLacksIsAnErrorNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> LlamaModel.load(GAP, Set.of(0, 2)));
        assertTrue(e.getMessage().contains("no block 2") && e.getMessage().contains("gap-q8_0.gguf"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LlamaModel.load(GAP, Set.of(9)));
        assertTrue(e.getMessage().contains("no block 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LlamaModel.load(GAP, Set.of(0, 1, 3, 5)));
        assertTrue(e.getMessage().contains("leaves no block"), e.getMessage());
    }

    @Test
    void blockListsParseAndRender() {
        assertEquals(List.of(24, 25, 26, 27, 28, 29, 31), BlockRanges.parse("24-29,31"));
        assertEquals(List.of(1, 3), BlockRanges.parse(" 3 , 1,3"));
        assertEquals("[24-29, 31]", BlockRanges.of(BlockRanges.parse("31,24-29")));
        for (String bad : List.of("", "a", "3-1", "-2", "1,,2", "2-")) {
            assertThrows(IllegalArgumentException.class, () -> BlockRanges.parse(bad), bad);
        }
    }
}
