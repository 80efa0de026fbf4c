namespace Pulse.Telemetry.Collection;

/// <summary>
/// Bucket indexes of a base-2 exponential histogram at scale 5 (OpenTelemetry data model: bucket <c>i</c> holds
/// the values in <c>(2^(i/32), 2^((i+1)/32)]</c>), computed exactly from the bits of the value: the binary
/// exponent gives the power of two, and the mantissa is placed among the 31 boundaries inside it.
/// </summary>
internal static class ExponentialIndex
{
    /// <summary>32 buckets per power of two: a bucket's midpoint is within 1.08% of any value in it.</summary>
    public const int Scale = 5;

    /// <summary>
    /// The lowest bucket kept: values at or below 2^-20 s (about 1 µs) fall in it. No request is that fast; the
    /// exact minimum is kept beside the buckets anyway.
    /// </summary>
    public const int MinIndex = -20 << Scale;

    /// <summary>
    /// The highest bucket kept: values above 2^12 (about 68 minutes in seconds) fall in it, with the exact
    /// maximum kept beside. <see cref="MinIndex"/> to here are 1024 buckets, OpenTelemetry's default size.
    /// </summary>
    public const int MaxIndex = (12 << Scale) - 1;

    private const int SubBuckets = 1 << Scale;
    private const long MantissaMask = (1L << 52) - 1;

    /// <summary>The mantissa bits of 2^(k/32), k = 1..31: the boundaries between the buckets of one power of two.</summary>
    private static readonly long[] Boundaries = CreateBoundaries();

    /// <summary>The bucket of a positive, finite value, kept within <see cref="MinIndex"/>..<see cref="MaxIndex"/>.</summary>
    public static int Of(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        var mantissa = bits & MantissaMask;

        // (2^e, 2^e * 2^(1/32)] is bucket 32e; an exact power of two closes the bucket below it. Counting the
        // boundaries below the mantissa places the others (at most five comparisons).
        int index;
        if (mantissa == 0)
        {
            index = (exponent << Scale) - 1;
        }
        else
        {
            var below = 0;
            for (var step = SubBuckets / 2; step > 0; step /= 2)
            {
                if (below + step < SubBuckets && Boundaries[below + step - 1] < mantissa)
                {
                    below += step;
                }
            }

            index = (exponent << Scale) + below;
        }

        return Math.Clamp(index, MinIndex, MaxIndex);
    }

    /// <summary>The lower boundary of bucket <paramref name="index"/>, <c>2^(index/32)</c> (the upper one of bucket <c>index - 1</c>).</summary>
    public static double LowerBound(int index) => Math.Pow(2, Math.ScaleB(index, -Scale));

    private static long[] CreateBoundaries()
    {
        var boundaries = new long[SubBuckets - 1];
        for (var k = 1; k < SubBuckets; k++)
        {
            boundaries[k - 1] = BitConverter.DoubleToInt64Bits(Math.Pow(2, (double)k / SubBuckets)) & MantissaMask;
        }

        return boundaries;
    }
}
