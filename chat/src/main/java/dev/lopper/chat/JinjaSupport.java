package dev.lopper.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.beans.FeatureDescriptor;
import java.lang.reflect.Method;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Jinjava environment that renders Hugging Face chat templates the way {@code transformers}' {@code
 * apply_chat_template} does: {@code trim_blocks} and {@code lstrip_blocks} on, {@code raise_exception(msg)} and
 * {@code strftime_now(fmt)} globals, Python's {@code tojson} and {@code trim}, and the Python {@code str} methods
 * templates call ({@code strip}, {@code lstrip}, {@code rstrip}, {@code startswith}, {@code endswith}, {@code split},
 * {@code upper}, {@code lower}, {@code title}, {@code capitalize}, {@code replace}, {@code find}, {@code count},
 * {@code join}, {@code splitlines}, {@code isspace}, {@code isdigit}) and {@code dict.items()/keys()/values()/get()}.
 * Jinjava itself provides {@code namespace()}, slicing ({@code messages[1:]}), {@code loop.*}, {@code is defined}.
 */
final class JinjaSupport {

    private JinjaSupport() {
    }

    /** Thrown by {@code raise_exception}; also recorded per thread because Jinjava turns exceptions into errors. */
    static final class TemplateRaised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaised(String message) {
            super(message, null, false, false);
        }
    }

    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    /** Shared and thread-safe: each render gets its own interpreter. */
    private static final class Holder {
        static final Jinjava JINJAVA = create();
    }

    static Jinjava jinjava() {
        return Holder.JINJAVA;
    }

    /** Clears the per-thread {@code raise_exception} record before a render. */
    static void clearRaised() {
        RAISED.remove();
    }

    /** The message of the {@code raise_exception} call during the last render on this thread, or null. */
    static String takeRaised() {
        String s = RAISED.get();
        RAISED.remove();
        return s;
    }

    /** Longest rendered prompt (and longest string a template may build), in chars. */
    static final long MAX_OUTPUT_CHARS = 1L << 20;
    /** Largest list or map a template may build. */
    static final int MAX_COLLECTION_SIZE = 100_000;
    /** Most elements of one {@code range()}: with lists capped too, this bounds every loop's iterations. */
    static final int MAX_RANGE = 1_000;
    /** Deepest nesting of template rendering (includes, nested expressions rendered as templates). */
    static final int MAX_RENDER_DEPTH = 10;
    /** Deepest macro recursion. */
    static final int MAX_MACRO_DEPTH = 20;

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        // A GGUF chat template is untrusted code: bound what it can make and how long it can loop or recurse.
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(MAX_COLLECTION_SIZE)
                .withMaxMapSize(MAX_COLLECTION_SIZE)
                .withRangeLimit(MAX_RANGE)
                .withMaxRenderDepth(MAX_RENDER_DEPTH)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                .withNodePreProcessor((node, interpreter) -> RenderBudget.charge())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(function("raise_exception", "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(function("strftime_now", "strftimeNow", String.class));
        jinjava.getGlobalContext().registerFilter(new ToJson());
        jinjava.getGlobalContext().registerFilter(new Trim());
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String method, Class<?>... params) {
        try {
            Method m = JinjaSupport.class.getDeclaredMethod(method, params);
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    // Globals ------------------------------------------------------------------------------------------------------

    static String raiseException(Object message) {
        String text = String.valueOf(message);
        if (RAISED.get() == null) {
            RAISED.set(text);
        }
        throw new TemplateRaised(text);
    }

    /** Python's {@code datetime.now().strftime(fmt)} for the common directives. */
    static String strftimeNow(String format) {
        return strftime(ZonedDateTime.now(), format);
    }

    static String strftime(ZonedDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> sb.append(String.format(Locale.ROOT, "%02d", t.getDayOfMonth()));
                case 'm' -> sb.append(String.format(Locale.ROOT, "%02d", t.getMonthValue()));
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format(Locale.ROOT, "%02d", t.getYear() % 100));
                case 'H' -> sb.append(String.format(Locale.ROOT, "%02d", t.getHour()));
                case 'I' -> sb.append(String.format(Locale.ROOT, "%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> sb.append(String.format(Locale.ROOT, "%02d", t.getMinute()));
                case 'S' -> sb.append(String.format(Locale.ROOT, "%02d", t.getSecond()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> sb.append(String.format(Locale.ROOT, "%03d", t.getDayOfYear()));
                case 'b' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(d);
            }
        }
        return sb.toString();
    }

    // Python str and dict methods ----------------------------------------------------------------------------------

    private static final Set<String> STRING_METHODS = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith",
            "split", "upper", "lower", "title", "capitalize", "replace", "find", "count", "join", "splitlines",
            "isspace", "isdigit");
    private static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get");

    /** Resolves Python method calls on strings and dicts before Jinjava's bean resolver sees them. */
    static final class PythonMethods extends ELResolver {

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (method == null) {
                return null;
            }
            String name = method.toString();
            Object[] args = params == null ? new Object[0] : params;
            if (base instanceof String s && STRING_METHODS.contains(name)) {
                Object result = stringMethod(s, name, args);
                context.setPropertyResolved(true);
                return result;
            }
            if (base instanceof Map<?, ?> map && DICT_METHODS.contains(name)) {
                Object result = dictMethod(map, name, args);
                context.setPropertyResolved(true);
                return result;
            }
            return null;
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return true;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return null;
        }
    }

    static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> PyStrings.strip(s, optString(a, 0));
            case "lstrip" -> PyStrings.lstrip(s, optString(a, 0));
            case "rstrip" -> PyStrings.rstrip(s, optString(a, 0));
            case "startswith" -> anyAffix(s, arg(a, 0, name), true);
            case "endswith" -> anyAffix(s, arg(a, 0, name), false);
            case "split" -> {
                String sep = optString(a, 0);
                int max = a.length > 1 && a[1] != null ? ((Number) a[1]).intValue() : -1;
                yield sep == null ? PyStrings.splitWhitespace(s, max) : PyStrings.split(s, sep, max);
            }
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PyStrings.title(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "replace" -> PyStrings.replace(s, String.valueOf(arg(a, 0, name)), String.valueOf(arg(a, 1, name)),
                    a.length > 2 && a[2] != null ? ((Number) a[2]).intValue() : -1);
            case "find" -> (long) s.indexOf(String.valueOf(arg(a, 0, name)));
            case "count" -> (long) PyStrings.count(s, String.valueOf(arg(a, 0, name)));
            case "join" -> PyStrings.join(s, arg(a, 0, name));
            case "splitlines" -> new ArrayList<>(s.lines().toList());
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(c -> PyStrings.isSpace((char) c));
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            default -> throw new IllegalStateException(name);
        };
    }

    static Object dictMethod(Map<?, ?> map, String name, Object[] a) {
        return switch (name) {
            case "items" -> {
                List<List<Object>> items = new ArrayList<>(map.size());
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    items.add(Arrays.asList(e.getKey(), e.getValue()));
                }
                yield items;
            }
            case "keys" -> new ArrayList<>(map.keySet());
            case "values" -> new ArrayList<>(map.values());
            case "get" -> {
                Object key = arg(a, 0, name);
                yield map.containsKey(key) ? map.get(key) : (a.length > 1 ? a[1] : null);
            }
            default -> throw new IllegalStateException(name);
        };
    }

    private static Object arg(Object[] a, int i, String method) {
        if (a.length <= i) {
            throw new IllegalArgumentException(method + "() takes at least " + (i + 1) + " argument(s)");
        }
        return a[i];
    }

    private static String optString(Object[] a, int i) {
        return a.length > i && a[i] != null ? a[i].toString() : null;
    }

    private static boolean anyAffix(String s, Object affix, boolean prefix) {
        if (affix instanceof Collection<?> options) {
            for (Object o : options) {
                if (prefix ? s.startsWith(String.valueOf(o)) : s.endsWith(String.valueOf(o))) {
                    return true;
                }
            }
            return false;
        }
        String x = String.valueOf(affix);
        return prefix ? s.startsWith(x) : s.endsWith(x);
    }

    // Filters ------------------------------------------------------------------------------------------------------

    /** Python's {@code str.strip(chars)} (Jinjava's own trim uses Java's notion of whitespace). */
    static final class Trim implements AdvancedFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var == null) {
                return "";
            }
            Object chars = args.length > 0 ? args[0] : kwargs.get("chars");
            return PyStrings.strip(var.toString(), chars == null ? null : chars.toString());
        }
    }

    /**
     * {@code tojson} as transformers defines it: {@code json.dumps(x, ensure_ascii=False, indent=indent,
     * separators=separators, sort_keys=sort_keys)}, so the spacing matches Python ({@code ", "} and {@code ": "}).
     */
    static final class ToJson implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indentArg = args.length > 0 ? args[0] : kwargs.get("indent");
            Integer indent = indentArg instanceof Number n ? Integer.valueOf(n.intValue()) : null;
            boolean ensureAscii = Boolean.TRUE.equals(kwargs.get("ensure_ascii"));
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            String itemSep = indent != null ? "," : ", ";
            String keySep = ": ";
            if (kwargs.get("separators") instanceof List<?> seps && seps.size() == 2) {
                itemSep = String.valueOf(seps.get(0));
                keySep = String.valueOf(seps.get(1));
            }
            StringBuilder sb = new StringBuilder();
            new PyJson(indent, itemSep, keySep, ensureAscii, sortKeys).write(sb, var, 0);
            return sb.toString();
        }
    }

    /** A writer producing the same text as Python's {@code json.dumps}. */
    record PyJson(Integer indent, String itemSep, String keySep, boolean ensureAscii, boolean sortKeys) {

        void write(StringBuilder sb, Object v, int depth) {
            switch (v) {
                case null -> sb.append("null");
                case String s -> string(sb, s);
                case Character c -> string(sb, c.toString());
                case Boolean b -> sb.append(b ? "true" : "false");
                case Double d -> number(sb, d);
                case Float f -> number(sb, f.doubleValue());
                case Number n -> sb.append(n);
                case Map<?, ?> map -> {
                    Map<?, ?> m = sortKeys ? new TreeMap<>(stringKeys(map)) : map;
                    if (m.isEmpty()) {
                        sb.append("{}");
                        return;
                    }
                    sb.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (!first) {
                            sb.append(itemSep);
                        }
                        newline(sb, depth + 1);
                        string(sb, String.valueOf(e.getKey()));
                        sb.append(keySep);
                        write(sb, e.getValue(), depth + 1);
                        first = false;
                    }
                    newline(sb, depth);
                    sb.append('}');
                }
                case Collection<?> c -> sequence(sb, c, depth);
                case Object[] array -> sequence(sb, Arrays.asList(array), depth);
                default -> string(sb, v.toString());
            }
        }

        private static Map<String, Object> stringKeys(Map<?, ?> map) {
            Map<String, Object> out = new TreeMap<>();
            map.forEach((k, val) -> out.put(String.valueOf(k), val));
            return out;
        }

        private void sequence(StringBuilder sb, Collection<?> c, int depth) {
            if (c.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) {
                    sb.append(itemSep);
                }
                newline(sb, depth + 1);
                write(sb, o, depth + 1);
                first = false;
            }
            newline(sb, depth);
            sb.append(']');
        }

        private void newline(StringBuilder sb, int depth) {
            if (indent != null) {
                sb.append('\n').append(" ".repeat(indent * depth));
            }
        }

        private static void number(StringBuilder sb, double d) {
            if (Double.isNaN(d)) {
                sb.append("NaN");
            } else if (Double.isInfinite(d)) {
                sb.append(d > 0 ? "Infinity" : "-Infinity");
            } else {
                sb.append(d);
            }
        }

        private void string(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
    }
}
