package dev.lopper.convert.torch;

import dev.lopper.convert.io.Dtype;
import dev.lopper.convert.io.FormatException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted unpickler for the {@code data.pkl} of a {@code torch.save} zip: it implements only the opcodes
 * torch.save's pickler emits for a state dict (Python's pickletools documents each one) and knows only these
 * globals: {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code torch._utils._rebuild_parameter} and the torch storage types. Any other global — {@code os.system},
 * {@code builtins.eval}, anything — is refused with an error naming it. Nothing is ever looked up, instantiated or
 * called by name: the result is plain Java data (strings, longs, lists, {@link Tuple}s, maps, {@link TensorRef}s).
 *
 * <p>Every length is checked against the bytes that remain, so a hostile pickle can make it allocate no more than
 * its own size.
 */
final class Unpickler {
    /** A Python tuple. */
    record Tuple(List<Object> items) {
    }

    /** An allowed global, by its dotted name. */
    record Global(String name) {
    }

    /** A storage: the persistent id {@code ('storage', StorageType, key, location, numel)}. */
    record StorageRef(Dtype dtype, String type, String key, long numel) {
    }

    /** What {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)} describes. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private static final Object MARK = new Object();
    private static final Set<String> CALLABLES = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter");
    private static final Map<String, Dtype> STORAGES = Map.of("torch.HalfStorage", Dtype.F16,
            "torch.BFloat16Storage", Dtype.BF16, "torch.FloatStorage", Dtype.F32, "torch.IntStorage", Dtype.I32,
            "torch.LongStorage", Dtype.I64);
    private static final Set<String> UNSUPPORTED_STORAGES = Set.of("torch.DoubleStorage", "torch.ByteStorage",
            "torch.CharStorage", "torch.ShortStorage", "torch.BoolStorage", "torch.ComplexFloatStorage",
            "torch.ComplexDoubleStorage", "torch.QInt8Storage", "torch.QUInt8Storage", "torch.Float8_e4m3fnStorage",
            "torch.Float8_e5m2Storage");

    private final String file;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(String file, byte[] data) {
        this.file = file;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Unpickles {@code data}; {@code file} names it in messages (e.g. {@code model.bin: archive/data.pkl}). */
    static Object load(String file, byte[] data) throws TorchFormatException {
        return new Unpickler(file, data).run();
    }

    private Object run() throws TorchFormatException {
        while (true) {
            if (!in.hasRemaining()) {
                throw error("pickle ends without STOP", in.position());
            }
            int at = in.position();
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v > 5) {
                        throw error("pickle protocol " + v + " is not supported", at);
                    }
                }
                case 0x95 -> skip(8); // FRAME: a length hint only
                case '.' -> { // STOP
                    if (stack.size() != 1) {
                        throw error("STOP with " + stack.size() + " values on the stack", at);
                    }
                    return stack.get(0);
                }
                case '(' -> stack.add(MARK);
                case '}' -> stack.add(new LinkedHashMap<Object, Object>());
                case ']' -> stack.add(new ArrayList<>());
                case ')' -> stack.add(new Tuple(List.of()));
                case 'N' -> stack.add(null);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'K' -> stack.add((long) u8());
                case 'M' -> {
                    need(2, at);
                    stack.add((long) (in.getShort() & 0xFFFF));
                }
                case 'J' -> {
                    need(4, at);
                    stack.add((long) in.getInt());
                }
                case 0x8a -> stack.add(long1(at));
                case 'G' -> {
                    need(8, at);
                    stack.add(in.order(ByteOrder.BIG_ENDIAN).getDouble());
                    in.order(ByteOrder.LITTLE_ENDIAN);
                }
                case 'X' -> stack.add(string(len4(at), at));
                case 0x8c -> stack.add(string(u8(), at));
                case 0x8d -> stack.add(string(len8(at), at));
                case 'T' -> stack.add(string(len4(at), at)); // BINSTRING (py2 str); read as text
                case 'U' -> stack.add(string(u8(), at)); // SHORT_BINSTRING
                case 'B' -> stack.add(bytes(len4(at), at));
                case 'C' -> stack.add(bytes(u8(), at));
                case 'c' -> stack.add(global(line(at) + "." + line(at), at));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings", at);
                    }
                    stack.add(global(m + "." + n, at));
                }
                case 'q' -> memo.put((long) u8(), top(at));
                case 'r' -> memo.put(u32(at), top(at));
                case 0x94 -> memo.put((long) memo.size(), top(at)); // MEMOIZE
                case 'h' -> stack.add(get((long) u8(), at));
                case 'j' -> stack.add(get(u32(at), at));
                case 't' -> stack.add(new Tuple(popMark(at)));
                case 0x85 -> stack.add(new Tuple(popN(1, at)));
                case 0x86 -> stack.add(new Tuple(popN(2, at)));
                case 0x87 -> stack.add(new Tuple(popN(3, at)));
                case 'l' -> stack.add(new ArrayList<>(popMark(at)));
                case 'a' -> {
                    Object v = pop(at);
                    list(top(at), at).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark(at);
                    list(top(at), at).addAll(items);
                }
                case 'd' -> {
                    List<Object> items = popMark(at);
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putAll(m, items, at);
                    stack.add(m);
                }
                case 's' -> {
                    Object v = pop(at);
                    Object k = pop(at);
                    dict(top(at), at).put(key(k, at), v);
                }
                case 'u' -> {
                    List<Object> items = popMark(at);
                    putAll(dict(top(at), at), items, at);
                }
                case 'Q' -> stack.add(persistent(pop(at), at));
                case 'R' -> {
                    Object args = pop(at);
                    Object fn = pop(at);
                    stack.add(reduce(fn, args, at));
                }
                case 'b' -> { // BUILD: state for an OrderedDict (its _metadata) or a tensor; not needed, dropped
                    pop(at);
                    Object target = top(at);
                    if (!(target instanceof Map) && !(target instanceof TensorRef)) {
                        throw error("BUILD on " + kind(target), at);
                    }
                }
                default -> throw error(String.format("pickle opcode 0x%02x is not one torch.save writes", op), at);
            }
        }
    }

    private Object global(String name, int at) throws TorchFormatException {
        if (CALLABLES.contains(name) || STORAGES.containsKey(name) || UNSUPPORTED_STORAGES.contains(name)) {
            return new Global(name);
        }
        throw error("global " + FormatException.quote(name) + " is not allowed (only collections.OrderedDict, "
                + "torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch storage types); "
                + "refusing to load this pickle", at);
    }

    private Object reduce(Object fn, Object args, int at) throws TorchFormatException {
        if (!(fn instanceof Global g) || !CALLABLES.contains(g.name())) {
            throw error("REDUCE calls " + kind(fn) + ", which is not callable here", at);
        }
        if (!(args instanceof Tuple t)) {
            throw error("REDUCE arguments are " + kind(args) + ", not a tuple", at);
        }
        List<Object> a = t.items();
        return switch (g.name()) {
            case "collections.OrderedDict" -> {
                if (!a.isEmpty()) {
                    throw error("OrderedDict with arguments", at);
                }
                yield new LinkedHashMap<Object, Object>();
            }
            case "torch._utils._rebuild_parameter" -> {
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef tr)) {
                    throw error("_rebuild_parameter without a tensor", at);
                }
                yield tr;
            }
            default -> { // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])
                if (a.size() < 4 || !(a.get(0) instanceof StorageRef s) || !(a.get(1) instanceof Long off)
                        || !(a.get(2) instanceof Tuple size) || !(a.get(3) instanceof Tuple stride)) {
                    throw error("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)", at);
                }
                yield new TensorRef(s, off, longs(size, at), longs(stride, at));
            }
        };
    }

    private StorageRef persistent(Object pid, int at) throws TorchFormatException {
        if (!(pid instanceof Tuple t) || t.items().size() != 5 || !"storage".equals(t.items().get(0))
                || !(t.items().get(1) instanceof Global type) || !(t.items().get(2) instanceof String key)
                || !(t.items().get(4) instanceof Long numel)) {
            throw error("persistent id is " + kind(pid) + ", not ('storage', type, key, location, numel)", at);
        }
        Dtype d = STORAGES.get(type.name());
        if (d == null) {
            throw error("storage type " + type.name() + " is not supported (fp16, bf16, fp32, int32, int64)", at);
        }
        if (numel < 0) {
            throw error("storage " + FormatException.quote(key) + " has " + numel + " elements", at);
        }
        return new StorageRef(d, type.name(), key, numel);
    }

    private long[] longs(Tuple t, int at) throws TorchFormatException {
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.items().get(i) instanceof Long v)) {
                throw error("tensor size or stride holds " + kind(t.items().get(i)), at);
            }
            out[i] = v;
        }
        return out;
    }

    private void putAll(Map<Object, Object> m, List<Object> items, int at) throws TorchFormatException {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict", at);
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(key(items.get(i), at), items.get(i + 1));
        }
    }

    private Object key(Object k, int at) throws TorchFormatException {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean) {
            return k;
        }
        throw error("dict key is " + kind(k), at);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, int at) throws TorchFormatException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("expected a dict, found " + kind(o), at);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, int at) throws TorchFormatException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw error("expected a list, found " + kind(o), at);
    }

    private Object get(long index, int at) throws TorchFormatException {
        if (!memo.containsKey(index)) {
            throw error("memo entry " + index + " was never stored", at);
        }
        return memo.get(index);
    }

    private Object top(int at) throws TorchFormatException {
        if (stack.isEmpty() || stack.getLast() == MARK) {
            throw error("stack is empty", at);
        }
        return stack.getLast();
    }

    private Object pop(int at) throws TorchFormatException {
        Object o = top(at);
        stack.removeLast();
        return o;
    }

    private List<Object> popN(int n, int at) throws TorchFormatException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop(at);
        }
        return java.util.Arrays.asList(items);
    }

    private List<Object> popMark(int at) throws TorchFormatException {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) {
            throw error("no MARK on the stack", at);
        }
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private int u8() throws TorchFormatException {
        need(1, in.position());
        return in.get() & 0xFF;
    }

    private void need(int n, int at) throws TorchFormatException {
        if (in.remaining() < n) {
            throw error("pickle ends inside an opcode's argument", at);
        }
    }

    private void skip(int n) throws TorchFormatException {
        need(n, in.position());
        in.position(in.position() + n);
    }

    private long u32(int at) throws TorchFormatException {
        need(4, at);
        return in.getInt() & 0xFFFFFFFFL;
    }

    private int len4(int at) throws TorchFormatException {
        long n = u32(at);
        if (n > in.remaining()) {
            throw error("length " + n + " exceeds the " + in.remaining() + " bytes that remain", at);
        }
        return (int) n;
    }

    private int len8(int at) throws TorchFormatException {
        need(8, at);
        long n = in.getLong();
        if (n < 0 || n > in.remaining()) {
            throw error("length " + n + " exceeds the " + in.remaining() + " bytes that remain", at);
        }
        return (int) n;
    }

    private long long1(int at) throws TorchFormatException {
        int n = u8();
        if (n > 8) {
            throw error("LONG1 of " + n + " bytes does not fit 64 bits", at);
        }
        need(n, at);
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (in.get() & 0xFFL) << (8 * i);
        }
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
            v |= -1L << (8 * n); // sign-extend
        }
        return v;
    }

    private String string(int n, int at) throws TorchFormatException {
        return new String(bytes(n, at), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int n, int at) throws TorchFormatException {
        if (n < 0 || n > in.remaining()) {
            throw error("length " + n + " exceeds the " + in.remaining() + " bytes that remain", at);
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    /** A newline-terminated ASCII line (GLOBAL's module and name), at most 256 bytes. */
    private String line(int at) throws TorchFormatException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (!in.hasRemaining() || sb.length() > 256) {
                throw error("GLOBAL name not terminated", at);
            }
            int c = in.get() & 0xFF;
            if (c == '\n') {
                return sb.toString();
            }
            sb.append((char) c);
        }
    }

    private static String kind(Object o) {
        return switch (o) {
            case null -> "None";
            case Global g -> "global " + g.name();
            case Tuple t -> "a tuple of " + t.items().size();
            default -> "a " + o.getClass().getSimpleName();
        };
    }

    private TorchFormatException error(String detail, long at) {
        return new TorchFormatException(file, detail, at);
    }
}
