using System.Text.Json;

namespace Pulse.Telemetry.Emf;

/// <summary>The value of <c>RequestLatencyMs</c> in one document, in one of the forms of EMF rules §6.</summary>
internal readonly struct EmfLatency
{
    private readonly Kind _kind;
    private readonly double _number;
    private readonly DistributionChunk? _chunk;
    private readonly double[]? _values;
    private readonly LatencyDistribution? _statistics;

    private EmfLatency(Kind kind, double number = 0, DistributionChunk? chunk = null, double[]? values = null, LatencyDistribution? statistics = null)
    {
        _kind = kind;
        _number = number;
        _chunk = chunk;
        _values = values;
        _statistics = statistics;
    }

    private enum Kind
    {
        None,
        Number,
        Distribution,
        Values,
        StatisticSet,
    }

    /// <summary>No latency in this document.</summary>
    public static EmfLatency None => default;

    /// <summary>
    /// False for <see cref="None"/> and for anything holding a non-finite number: NaN and infinities are not
    /// JSON, and the awslabs validators reject them (EMF rules §6), so the metric is left out instead.
    /// </summary>
    public bool IsValid => _kind switch
    {
        Kind.Number => double.IsFinite(_number),
        Kind.Distribution => _chunk!.Values.Length > 0 && AllFinite(_chunk.Values) && double.IsFinite(_chunk.Sum)
            && double.IsFinite(_chunk.Min) && double.IsFinite(_chunk.Max),
        Kind.Values => _values!.Length > 0 && AllFinite(_values),
        Kind.StatisticSet => _statistics!.Count > 0 && double.IsFinite(_statistics.Sum)
            && double.IsFinite(_statistics.Min) && double.IsFinite(_statistics.Max),
        _ => false,
    };

    /// <summary>A single sample in milliseconds (PerRequest mode).</summary>
    public static EmfLatency Number(double milliseconds) => new(Kind.Number, number: milliseconds);

    /// <summary>One Values/Counts object of a split distribution.</summary>
    public static EmfLatency Distribution(DistributionChunk chunk) => new(Kind.Distribution, chunk: chunk);

    /// <summary>A plain array of at most 100 numbers, the only array form the published spec lists.</summary>
    public static EmfLatency Values(double[] values) => new(Kind.Values, values: values);

    /// <summary>Count, sum, min and max without values.</summary>
    public static EmfLatency StatisticSet(LatencyDistribution distribution) => new(Kind.StatisticSet, statistics: distribution);

    public void Write(Utf8JsonWriter json, string name)
    {
        if (!IsValid)
        {
            return;
        }

        switch (_kind)
        {
            case Kind.Number:
                json.WriteNumber(name, _number);
                break;

            case Kind.Distribution:
                // Member order as the CloudWatch agent and awsemfexporter write it (cWMetricHistogram).
                json.WriteStartObject(name);
                json.WriteStartArray("Values");
                foreach (var value in _chunk!.Values)
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
                json.WriteStartArray("Counts");
                foreach (var count in _chunk.Counts)
                {
                    json.WriteNumberValue(count);
                }

                json.WriteEndArray();
                json.WriteNumber("Max", _chunk.Max);
                json.WriteNumber("Min", _chunk.Min);
                json.WriteNumber("Count", _chunk.Count);
                json.WriteNumber("Sum", _chunk.Sum);
                json.WriteEndObject();
                break;

            case Kind.Values:
                json.WriteStartArray(name);
                foreach (var value in _values!)
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
                break;

            case Kind.StatisticSet:
                json.WriteStartObject(name);
                json.WriteNumber("Max", LatencyDistribution.ToMilliseconds(_statistics!.Max));
                json.WriteNumber("Min", LatencyDistribution.ToMilliseconds(_statistics.Min));
                json.WriteNumber("Count", _statistics.Count);
                json.WriteNumber("Sum", LatencyDistribution.ToMilliseconds(_statistics.Sum));
                json.WriteEndObject();
                break;
        }
    }

    private static bool AllFinite(double[] values)
    {
        foreach (var value in values)
        {
            if (!double.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
