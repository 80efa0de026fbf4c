using System.Text.Json;

namespace Pulse.Testing.Emf;

/// <summary>
/// Reads EMF documents the way CloudWatch extracts them: every directive publishes each of its metrics at
/// each of its dimension sets, and all documents of one metric and one dimension combination add up.
/// </summary>
public static class EmfStatistics
{
    public static IReadOnlyList<JsonElement> Parse(IEnumerable<string> lines) =>
        [.. lines.Select(line => JsonDocument.Parse(line).RootElement)];

    /// <summary>Documents that are EMF (have <c>_aws</c>), as opposed to log lines.</summary>
    public static bool IsEmf(JsonElement document) =>
        document.ValueKind == JsonValueKind.Object && document.TryGetProperty("_aws", out _);

    /// <summary>
    /// Every value of <paramref name="metric"/> published at exactly <paramref name="dimensions"/>, by the
    /// dimension values joined with '|'.
    /// </summary>
    public static Dictionary<string, List<JsonElement>> Values(IEnumerable<JsonElement> documents, string metric, params string[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var result = new Dictionary<string, List<JsonElement>>(StringComparer.Ordinal);
        foreach (var document in documents.Where(IsEmf))
        {
            foreach (var directive in document.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray())
            {
                var hasMetric = directive.GetProperty("Metrics").EnumerateArray().Any(m => m.GetProperty("Name").GetString() == metric);
                var hasSet = directive.GetProperty("Dimensions").EnumerateArray()
                    .Any(set => set.EnumerateArray().Select(k => k.GetString()!).ToHashSet(StringComparer.Ordinal).SetEquals(dimensions));
                if (hasMetric && hasSet)
                {
                    var key = string.Join('|', dimensions.Select(d => document.GetProperty(d).GetString()));
                    if (!result.TryGetValue(key, out var list))
                    {
                        result[key] = list = [];
                    }

                    list.Add(document.GetProperty(metric));
                }
            }
        }

        return result;
    }

    /// <summary>The sum of a count metric per dimension combination (CloudWatch's Sum statistic).</summary>
    public static Dictionary<string, double> Sums(IEnumerable<JsonElement> documents, string metric, params string[] dimensions) =>
        Values(documents, metric, dimensions).ToDictionary(p => p.Key, p => p.Value.Sum(v => v.GetDouble()), StringComparer.Ordinal);

    /// <summary>The combined distribution of a latency metric per dimension combination.</summary>
    public static Dictionary<string, Distribution> Distributions(IEnumerable<JsonElement> documents, string metric, params string[] dimensions) =>
        Values(documents, metric, dimensions).ToDictionary(p => p.Key, p => Distribution.Of(p.Value), StringComparer.Ordinal);

    /// <summary>
    /// Asserts that the aggregated documents carry the same latency distribution as the per-request ones, for
    /// each dimension set and combination: Count, Min and Max exactly, Sum to rounding (the same doubles added
    /// in another order), and p50, p90 and p99 from Values/Counts within 2 % of the exact percentiles.
    /// </summary>
    public static void AssertSameDistributions(
        IEnumerable<JsonElement> perRequest, IEnumerable<JsonElement> aggregated, string metric, params string[][] dimensionSets)
    {
        ArgumentNullException.ThrowIfNull(dimensionSets);
        foreach (var set in dimensionSets)
        {
            var exact = Distributions(perRequest, metric, set);
            var merged = Distributions(aggregated, metric, set);
            Assert.Equal(exact.Keys.Order(StringComparer.Ordinal), merged.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, expected) in exact)
            {
                var actual = merged[key];
                Assert.Equal((expected.Count, expected.Min, expected.Max), (actual.Count, actual.Min, actual.Max));
                Assert.Equal(expected.Sum, actual.Sum, 1e-9 * expected.Sum);
                foreach (var percent in new[] { 50.0, 90, 99 })
                {
                    var truth = expected.Percentile(percent);
                    Assert.InRange(Math.Abs(actual.Percentile(percent) - truth) / truth, 0, 0.02);
                }
            }
        }
    }

    /// <summary>Count, sum, min, max and the weighted samples of one metric and dimension combination.</summary>
    public sealed record Distribution(long Count, double Sum, double Min, double Max, IReadOnlyList<(double Value, long Count)> Samples)
    {
        public static Distribution Of(IEnumerable<JsonElement> values)
        {
            long count = 0;
            double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
            var samples = new List<(double, long)>();
            foreach (var value in values)
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.Number:
                        var v = value.GetDouble();
                        count++;
                        sum += v;
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                        samples.Add((v, 1));
                        break;
                    case JsonValueKind.Array:
                        foreach (var element in value.EnumerateArray())
                        {
                            samples.Add((element.GetDouble(), 1));
                        }

                        count += value.GetArrayLength();
                        sum += value.EnumerateArray().Sum(e => e.GetDouble());
                        min = Math.Min(min, value.EnumerateArray().Min(e => e.GetDouble()));
                        max = Math.Max(max, value.EnumerateArray().Max(e => e.GetDouble()));
                        break;
                    default:
                        count += value.GetProperty(nameof(Count)).GetInt64();
                        sum += value.GetProperty(nameof(Sum)).GetDouble();
                        min = Math.Min(min, value.GetProperty(nameof(Min)).GetDouble());
                        max = Math.Max(max, value.GetProperty(nameof(Max)).GetDouble());
                        if (value.TryGetProperty("Values", out var bucketValues))
                        {
                            samples.AddRange(bucketValues.EnumerateArray().Zip(value.GetProperty("Counts").EnumerateArray(), (b, c) => (b.GetDouble(), c.GetInt64())));
                        }

                        break;
                }
            }

            return new Distribution(count, sum, min, max, samples);
        }

        /// <summary>The nearest-rank percentile of the weighted samples, as CloudWatch computes it from Values and Counts.</summary>
        public double Percentile(double percent) => PercentileOf(Samples, percent);
    }

    /// <summary>The nearest-rank percentile: the smallest value whose cumulative count reaches ceil(p/100 * N).</summary>
    public static double PercentileOf(IEnumerable<(double Value, long Count)> samples, double percent)
    {
        var sorted = samples.OrderBy(s => s.Value).ToList();
        var total = sorted.Sum(s => s.Count);
        Assert.True(total > 0, "No samples to take a percentile of.");
        var rank = Math.Max(1, (long)Math.Ceiling(percent / 100 * total));
        long seen = 0;
        foreach (var (value, count) in sorted)
        {
            seen += count;
            if (seen >= rank)
            {
                return value;
            }
        }

        return sorted[^1].Value;
    }
}
