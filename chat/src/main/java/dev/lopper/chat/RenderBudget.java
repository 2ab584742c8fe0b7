package dev.lopper.chat;

/**
 * What one chat-template render may spend: Jinjava has limits on output, strings, lists, ranges and recursion but
 * none on loop iterations or time, so every template node it renders is counted here (a loop's body counts once
 * per iteration) against a node budget and a deadline. Over either, the render stops with a
 * {@link ChatTemplateException}.
 */
final class RenderBudget {
    /** Template nodes one render may visit: real chat templates visit a few thousand for a long conversation. */
    static final long MAX_NODES = 2_000_000;
    /** Wall-clock time one render may take. */
    static final long MAX_NANOS = 3_000_000_000L;

    private static final ThreadLocal<long[]> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<String> EXCEEDED = new ThreadLocal<>();

    private RenderBudget() {
    }

    /** Starts counting for a render on this thread. */
    static void start() {
        CURRENT.set(new long[] {0, System.nanoTime() + MAX_NANOS});
        EXCEEDED.remove();
    }

    /**
     * Stops counting on this thread.
     *
     * @return why the render went over budget, or null (Jinjava may have caught the exception and gone on)
     */
    static String end() {
        CURRENT.remove();
        String why = EXCEEDED.get();
        EXCEEDED.remove();
        return why;
    }

    /** Counts one node; throws when the render is over budget. */
    static void charge() {
        long[] b = CURRENT.get();
        if (b == null) {
            return;
        }
        String why = EXCEEDED.get();
        if (why == null && ++b[0] > MAX_NODES) {
            why = "the template rendered more than " + MAX_NODES + " nodes (a runaway loop?)";
        } else if (why == null && (b[0] & 255) == 0 && System.nanoTime() > b[1]) {
            why = "the template took longer than " + MAX_NANOS / 1_000_000_000L + " s to render";
        }
        if (why != null) {
            EXCEEDED.set(why);
            throw new Exceeded(why);
        }
    }

    /** A render over budget; JinjaTemplate turns it into a ChatTemplateException. */
    static final class Exceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Exceeded(String message) {
            super(message, null, false, false);
        }
    }
}
