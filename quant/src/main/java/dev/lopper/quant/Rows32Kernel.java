package dev.lopper.quant;

/**
 * What the decode kernels of the {@link Rows32} layouts share: they read the int8 activations and compute whole
 * groups of 32 rows ({@code dotRows} is only called for whole groups: {@code offset} = first row × rowBytes, where
 * the group starts).
 */
abstract class Rows32Kernel implements RowKernel {

    @Override
    public final boolean int8() {
        return true;
    }

    @Override
    public final int rowsPerUnit() {
        return Rows32.ROWS;
    }
}
