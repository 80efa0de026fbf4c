using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pulse.Telemetry.Formats.Emf;

/// <summary>
/// Writes EMF documents (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
/// one JSON object per line, the <c>_aws</c> metadata with its directives first (EMF rules §2, §3), then the
/// dimension values, metric values and plain properties as root members, then the properties every document
/// of this writer carries. It knows the format only: which metrics and dimension sets a document holds is
/// decided by whoever calls it. Calls follow the document's order: <see cref="Begin"/>, <see cref="Directive"/>
/// (any number), <see cref="EndMetadata"/>, members, <see cref="End"/>. Not thread-safe: one instance per
/// writing thread.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The JSON writer writes into a buffer this class owns; disposing it would only flush, which End does.")]
internal sealed class EmfDocumentWriter
{
    /// <summary>
    /// The largest document CloudWatch Logs accepts in every version of the spec and in the awslabs libraries
    /// (EMF rules §1: 256 KB; the current limit of 1 MB is newer).
    /// </summary>
    public const int MaxDocumentBytes = 256 * 1024;

    /// <summary>A dimension value is a string of at most 1024 characters (EMF rules §4).</summary>
    public const int MaxDimensionValueLength = 1024;

    // The default encoder escapes every non-ASCII character (and quotes, backslashes, control characters) as
    // \uXXXX: valid JSON that stays ASCII, so the line survives any console encoding.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.Default, Indented = false, SkipValidation = false };

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;
    private readonly string _namespace;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _properties;

    /// <param name="namespace">CloudWatch namespace of every directive.</param>
    /// <param name="properties">Plain properties every document carries (the ECS task's identity).</param>
    public EmfDocumentWriter(string @namespace, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        _namespace = @namespace;
        _properties = properties;
        _json = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    /// <summary>Starts a document stamped with <paramref name="timestampMs"/> (Unix milliseconds, EMF rules §2).</summary>
    public void Begin(long timestampMs)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteStartObject("_aws");
        _json.WriteNumber("Timestamp", timestampMs);
        _json.WriteStartArray("CloudWatchMetrics");
    }

    /// <summary>
    /// One directive: the metrics (name and CloudWatch unit, in this order) published at one dimension set.
    /// A directive without metrics is left out.
    /// </summary>
    public void Directive(IReadOnlyList<string> dimensions, IReadOnlyList<(string Name, string Unit)> metrics)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Count == 0)
        {
            return;
        }

        _json.WriteStartObject();
        _json.WriteString("Namespace", _namespace);
        _json.WriteStartArray("Dimensions");
        _json.WriteStartArray();
        foreach (var dimension in dimensions)
        {
            _json.WriteStringValue(dimension);
        }

        _json.WriteEndArray();
        _json.WriteEndArray();
        _json.WriteStartArray("Metrics");
        foreach (var (name, unit) in metrics)
        {
            _json.WriteStartObject();
            _json.WriteString("Name", name);
            _json.WriteString("Unit", unit);
            _json.WriteEndObject();
        }

        _json.WriteEndArray();
        _json.WriteEndObject();
    }

    /// <summary>Closes the <c>_aws</c> metadata; root members follow.</summary>
    public void EndMetadata()
    {
        _json.WriteEndArray();
        _json.WriteEndObject();
    }

    /// <summary>A string member: a dimension value or a plain property.</summary>
    public void String(string name, string value) => _json.WriteString(name, value);

    /// <summary>A numeric member.</summary>
    public void Number(string name, long value) => _json.WriteNumber(name, value);

    /// <summary>A metric member in one of the forms of EMF rules §6; nothing when the value is not valid.</summary>
    public void Value(string name, EmfValue value) => value.Write(_json, name);

    /// <summary>Adds the writer's own properties, closes the document and returns it as one line, newline included.</summary>
    public string End()
    {
        foreach (var (name, value) in _properties)
        {
            _json.WriteString(name, value);
        }

        _json.WriteEndObject();
        _json.Flush();

        // ASCII only (see WriterOptions), so one byte is one char; the newline makes it one whole line in one write.
        _buffer.Write("\n"u8);
        return Encoding.ASCII.GetString(_buffer.WrittenSpan);
    }

    /// <summary>A value cut to the length CloudWatch accepts for a dimension value.</summary>
    public static string Truncate(string value) =>
        value.Length > MaxDimensionValueLength ? value[..MaxDimensionValueLength] : value;
}
