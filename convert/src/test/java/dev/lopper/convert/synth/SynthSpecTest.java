package dev.lopper.convert.synth;

import dev.lopper.convert.quantize.FileType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthSpecTest {
    @TempDir
    Path cache;

    @Test
    void parses() {
        assertTrue(SynthSpec.isSpec("synth:tiny:q8_0"));
        assertFalse(SynthSpec.isSpec("models/x.gguf"));
        assertEquals(new SynthSpec(SynthPreset.TINY, FileType.Q8_0), SynthSpec.parse("synth:tiny:q8_0"));
        assertEquals(new SynthSpec(SynthPreset.ST_VICUNA_5_5B, FileType.Q4_0), SynthSpec.parse("synth:st-vicuna-5.5b"));
        assertEquals("st-vicuna-5.5b-q4_k_m.gguf", SynthSpec.parse("synth:st-vicuna-5.5b:Q4_K_M").fileName());
        var e = assertThrows(IllegalArgumentException.class, () -> SynthSpec.parse("synth:llama-7b:q4_0"));
        assertTrue(e.getMessage().contains("sheared-llama-1.3b"), e.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> SynthSpec.parse("synth:tiny:q9"));
        assertTrue(t.getMessage().contains("Q4_K_M"), t.getMessage());
    }

    @Test
    void synthesizesOnceThenReuses() throws Exception {
        SynthSpec spec = SynthSpec.parse("synth:tiny:q4_0");
        Path dir = cache.resolve("lopper/synth");
        List<String> notices = new ArrayList<>();
        Path first = spec.ensure(dir, notices::add);
        assertEquals(dir.resolve("tiny-q4_0.gguf"), first);
        assertTrue(Files.isRegularFile(first));
        FileTime created = Files.getLastModifiedTime(first);
        Path second = spec.ensure(dir, notices::add);
        assertEquals(first, second);
        assertEquals(created, Files.getLastModifiedTime(second));
        assertEquals(2, notices.size());
        assertTrue(notices.get(0).startsWith("synthesizing synth:tiny:q4_0"), notices.get(0));
        assertTrue(notices.get(1).startsWith("using cached"), notices.get(1));
    }
}
