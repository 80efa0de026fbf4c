using System.Text.Json;

namespace Pulse.Telemetry.Formats.Emf;

/// <summary>The value of one metric in one document, in one of the forms of EMF rules §6.</summary>
internal readonly struct EmfValue
{
    private readonly Kind _kind;
    private readonly double _number;
    private readonly DistributionChunk? _chunk;
    private readonly double[]? _values;
    private readonly ExponentialDistribution? _statistics;
    private readonly double _factor;

    private EmfValue(Kind kind, double number = 0, DistributionChunk? chunk = null, double[]? values = null, ExponentialDistribution? statistics = null, double factor = 1)
    {
        _factor = factor;
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

    /// <summary>No value in this document.</summary>
    public static EmfValue None => default;

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

    /// <summary>A single number.</summary>
    public static EmfValue Number(double value) => new(Kind.Number, number: value);

    /// <summary>One Values/Counts object of a split distribution.</summary>
    public static EmfValue Distribution(DistributionChunk chunk) => new(Kind.Distribution, chunk: chunk);

    /// <summary>A plain array of at most 100 numbers, the only array form the published spec lists.</summary>
    public static EmfValue Values(double[] values) => new(Kind.Values, values: values);

    /// <summary>Count, sum, min and max without values, the numbers multiplied by <paramref name="factor"/> (a unit change).</summary>
    public static EmfValue StatisticSet(ExponentialDistribution distribution, double factor) => new(Kind.StatisticSet, statistics: distribution, factor: factor);

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
                json.WriteNumber("Max", _statistics!.Max * _factor);
                json.WriteNumber("Min", _statistics.Min * _factor);
                json.WriteNumber("Count", _statistics.Count);
                json.WriteNumber("Sum", _statistics.Sum * _factor);
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
