using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Pulse.Testing.Otlp.Collector;
using Pulse.Testing.Otlp.Common;
using Pulse.Testing.Otlp.Trace;
using OtlpStatus = Pulse.Testing.Otlp.Trace.Status;

namespace Pulse.Testing;

/// <summary>
/// A stand-in OTLP collector for traces: a Kestrel server on a free loopback port that accepts OTLP/HTTP with protobuf
/// bodies (<c>POST /v1/traces</c>, <c>Content-Type: application/x-protobuf</c>, optionally gzip) as the OpenTelemetry
/// exporters send it, decodes every span and keeps it. Point a service at <see cref="Endpoint"/> (the base address:
/// <c>Telemetry:Otlp:Endpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) or at <see cref="TracesEndpoint"/>
/// (<c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>), then wait for the spans a test expects. OTLP/gRPC is not served.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    /// <summary>How long the waits allow unless told otherwise: the exporters' default batch delay is 5 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private const string Protobuf = "application/x-protobuf";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private int _exports;

    private OtlpTraceReceiver(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The receiver's base address, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The traces path of <see cref="Endpoint"/>, <c>http://127.0.0.1:PORT/v1/traces</c>.</summary>
    public Uri TracesEndpoint => new(Endpoint, "v1/traces");

    /// <summary>Every span received so far, in the order received.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    /// <summary>How many export requests were accepted so far (an empty one counts).</summary>
    public int ExportRequests => Volatile.Read(ref _exports);

    /// <summary>Starts a receiver on 127.0.0.1 at a port the system picks.</summary>
    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(OtlpTraceReceiver).Assembly.GetName().Name,
            ContentRootPath = Path.GetTempPath(),
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // The receiver's own requests must not become spans of a service traced in the same process (every
        // TracerProvider listens to ASP.NET Core's activity source by name, and would export them to the receiver
        // again): its host gets an activity source and a diagnostic listener of another name.
        builder.Services.Replace(ServiceDescriptor.Singleton(new ActivitySource("Pulse.Testing.OtlpTraceReceiver")));
        builder.Services.Replace(ServiceDescriptor.Singleton(new DiagnosticListener("Pulse.Testing.OtlpTraceReceiver")));

        var app = builder.Build();
        var receiver = new OtlpTraceReceiver(app);
        app.MapPost("/v1/traces", receiver.ReceiveAsync);
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return receiver;
    }

    /// <summary>Waits until a received span matches <paramref name="predicate"/> and returns the first that does.</summary>
    public async Task<ReceivedSpan> WaitForSpanAsync(Func<ReceivedSpan, bool> predicate, TimeSpan? timeout = null, string what = "a matching span") =>
        (await WaitForSpansAsync(predicate, count: 1, timeout, what))[0];

    /// <summary>Waits until at least <paramref name="count"/> received spans match <paramref name="predicate"/> and returns all that do.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForSpansAsync(
        Func<ReceivedSpan, bool> predicate, int count = 1, TimeSpan? timeout = null, string what = "matching spans")
    {
        ArgumentNullException.ThrowIfNull(predicate);
        IReadOnlyList<ReceivedSpan> matching = [];
        try
        {
            await Wait.UntilAsync(
                () => (matching = [.. _spans.Where(predicate)]).Count >= count,
                timeout ?? DefaultTimeout,
                $"{count} of {what} at the OTLP receiver",
                TimeSpan.FromMilliseconds(50));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Received {_spans.Count} spans in {ExportRequests} exports:\n{string.Join('\n', _spans)}", ex);
        }

        return matching;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        if (request.ContentType?.Split(';')[0].Trim() != Protobuf)
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new MemoryStream();
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            await using var gzip = new GZipStream(request.Body, CompressionMode.Decompress);
            await gzip.CopyToAsync(body);
        }
        else
        {
            await request.Body.CopyToAsync(body);
        }

        ExportTraceServiceRequest export;
        try
        {
            export = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
        }
        catch (InvalidProtocolBufferException)
        {
            return Results.BadRequest();
        }

        foreach (var resourceSpans in export.ResourceSpans)
        {
            var service = resourceSpans.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue;
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    _spans.Enqueue(ReceivedSpan.From(span, service, scopeSpans.Scope?.Name ?? string.Empty));
                }
            }
        }

        Interlocked.Increment(ref _exports);
        return Results.Bytes(new ExportTraceServiceResponse().ToByteArray(), Protobuf);
    }
}

/// <summary>
/// One span as the receiver decoded it. Ids are lower-case hex as in W3C <c>traceparent</c> (and
/// <c>Activity.TraceId.ToHexString()</c>); attribute values are <see cref="string"/>, <see cref="bool"/>,
/// <see cref="long"/>, <see cref="double"/>, <c>byte[]</c> or a list of those.
/// </summary>
/// <param name="TraceId">32 hex digits.</param>
/// <param name="SpanId">16 hex digits.</param>
/// <param name="ParentSpanId">16 hex digits, or null for a root span.</param>
/// <param name="Name">The span's name, e.g. <c>GET /Welcome</c>.</param>
/// <param name="Kind">Server, client, internal, producer or consumer.</param>
/// <param name="Attributes">The span's attributes by key.</param>
/// <param name="ServiceName">The resource's <c>service.name</c>.</param>
/// <param name="ScopeName">The instrumentation scope, e.g. <c>Microsoft.AspNetCore</c> or <c>Npgsql</c>.</param>
/// <param name="Start">When the span started.</param>
/// <param name="End">When it ended.</param>
/// <param name="Status">Unset, Ok or Error.</param>
public sealed record ReceivedSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    ActivityKind Kind,
    IReadOnlyDictionary<string, object?> Attributes,
    string? ServiceName,
    string ScopeName,
    DateTimeOffset Start,
    DateTimeOffset End,
    ActivityStatusCode Status)
{
    /// <summary>An attribute's value as invariant text, or null when the span does not have it.</summary>
    public string? Attribute(string key) =>
        Attributes.TryGetValue(key, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    public override string ToString() =>
        $"{Kind} '{Name}' trace {TraceId} span {SpanId} parent {ParentSpanId ?? "-"} scope {ScopeName} "
        + $"{{{string.Join(", ", Attributes.Select(a => $"{a.Key}={Convert.ToString(a.Value, CultureInfo.InvariantCulture)}"))}}}";

    internal static ReceivedSpan From(Span span, string? service, string scope) => new(
        Convert.ToHexStringLower(span.TraceId.Span),
        Convert.ToHexStringLower(span.SpanId.Span),
        span.ParentSpanId.IsEmpty ? null : Convert.ToHexStringLower(span.ParentSpanId.Span),
        span.Name,
        span.Kind switch
        {
            Span.Types.SpanKind.Server => ActivityKind.Server,
            Span.Types.SpanKind.Client => ActivityKind.Client,
            Span.Types.SpanKind.Producer => ActivityKind.Producer,
            Span.Types.SpanKind.Consumer => ActivityKind.Consumer,
            _ => ActivityKind.Internal,
        },
        span.Attributes.ToDictionary(a => a.Key, a => Value(a.Value), StringComparer.Ordinal),
        service,
        scope,
        DateTimeOffset.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100)),
        DateTimeOffset.UnixEpoch.AddTicks((long)(span.EndTimeUnixNano / 100)),
        span.Status?.Code switch
        {
            OtlpStatus.Types.StatusCode.Ok => ActivityStatusCode.Ok,
            OtlpStatus.Types.StatusCode.Error => ActivityStatusCode.Error,
            _ => ActivityStatusCode.Unset,
        });

    private static object? Value(AnyValue? value) => value is null ? null : value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToByteArray(),
        AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(Value).ToList(),
        AnyValue.ValueOneofCase.KvlistValue => value.KvlistValue.Values.ToDictionary(v => v.Key, v => Value(v.Value), StringComparer.Ordinal),
        _ => null,
    };
}
