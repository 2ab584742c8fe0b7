#!/usr/bin/env python3
"""Regenerates quant/src/test/resources/tiny-subset/ from the shared fixtures.

Needs numpy and llama.cpp's gguf-py (PYTHONPATH=<llama.cpp>/gguf-py; its package imports sentencepiece, which
may be a stub). Usage: make_tiny_subset.py <fixtures/tiny dir> <output dir>

For every type T of the fixture set, <out>/<t>.gguf holds, copied byte for byte from tiny-<t>.gguf:
  blk.0.attn_k.weight     [256 x 128]  the whole tensor
  blk.0.ffn_down.weight   [768 x 16]   its first 16 rows only
and, for T != F32, gguf-py's own dequantization (an implementation independent of ours) of their first rows:
  expected.blk.0.attn_k.weight    F32 [256 x 8]
  expected.blk.0.ffn_down.weight  F32 [768 x 4]
f32.gguf holds the original weights of the same rows.
"""
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import quants

TYPES = "f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k iq4_nl iq4_xs".split()
TENSORS = {"blk.0.attn_k.weight": (128, 8), "blk.0.ffn_down.weight": (16, 4)}  # rows kept, rows of expected


def main(src: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for t in TYPES:
        reader = gguf.GGUFReader(src / f"tiny-{t}.gguf")
        writer = gguf.GGUFWriter(out / f"{t}.gguf", "llama")
        writer.add_string("lopper.note", f"subset of fixtures/tiny/tiny-{t}.gguf, see make_tiny_subset.py")
        expected = []
        for tensor in reader.tensors:
            if tensor.name not in TENSORS:
                continue
            rows, expected_rows = TENSORS[tensor.name]
            qtype = tensor.tensor_type
            cols = int(tensor.shape[0])
            block, type_size = gguf.GGML_QUANT_SIZES[qtype]
            row_bytes = cols // block * type_size
            raw = np.asarray(tensor.data).reshape(-1).view(np.uint8)[: rows * row_bytes].reshape(rows, row_bytes)
            writer.add_tensor(tensor.name, raw.copy(), raw_shape=(rows, row_bytes), raw_dtype=qtype)
            if t != "f32":
                deq = quants.dequantize(raw[:expected_rows], qtype).astype(np.float32).reshape(expected_rows, cols)
                expected.append(("expected." + tensor.name, deq))
        for name, deq in expected:
            writer.add_tensor(name, deq)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        print(t, (out / f"{t}.gguf").stat().st_size)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
