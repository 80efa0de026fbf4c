using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Pulse.Telemetry;
using Pulse.Telemetry.Hosting;
using Pulse.Telemetry.Http;
using Pulse.Telemetry.Schema;

namespace Pulse.Benchmarks;

/// <summary>
/// The measurements one request produces, recorded through the production pipeline (the same
/// registration as the service): ASP.NET Core's duration measurement with the tags its hosting layer
/// attaches, which the request listener turns into an update of the request aggregation, the two body sizes
/// and the in-flight count. The baseline makes the same calls on instruments nobody listens to.
/// <see cref="Emf"/> adds the CloudWatch EMF exporter (Aggregated, the default), which reads the same
/// aggregation as intervals: the request then also updates the series' exponential histogram.
/// <see cref="Sampled"/> records while a sampled activity is current, as a request of a sampled trace does: the
/// duration then also becomes its bucket's exemplar.
/// </summary>
[MemoryDiagnoser]
public class RequestRecordingBenchmarks
{
    // ASP.NET Core caches boxed status codes, so recording allocates no box either.
    private static readonly object Status200 = 200;

    private WebApplication? _app;
    private Histogram<double> _duration = null!;
    private HttpInstruments _instruments = null!;
    private InFlightRequests _inFlight = null!;
    private Histogram<double> _silentDuration = null!;
    private Histogram<long> _silentSize = null!;
    private Meter _silentMeter = null!;
    private Activity? _request;

    /// <summary>Whether the EMF exporter (Aggregated mode) is on, as it is by default.</summary>
    [Params(false, true)]
    public bool Emf { get; set; }

    /// <summary>Whether a sampled activity is current while the request is recorded (tracing on, trace kept).</summary>
    [Params(false, true)]
    public bool Sampled { get; set; }

    /// <summary>
    /// Synchronous, so that the activity it starts stays current on the thread that runs the benchmarks (an async
    /// method's changes to <see cref="Activity.Current"/> end with it).
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        SetupAsync().GetAwaiter().GetResult();
        if (Sampled)
        {
            _request = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn");
            _request.SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
            _request.Start();
        }
    }

    private async Task SetupAsync()
    {
        var builder = WebApplication.CreateSlimBuilder([$"--Telemetry:Emf:Enabled={Emf}"]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddPulseTelemetry();
        _app = builder.Build();
        await _app.StartAsync();

        var meterFactory = _app.Services.GetRequiredService<IMeterFactory>();
        _duration = meterFactory.Create(PulseMetrics.AspNetCoreHostingMeterName).CreateHistogram<double>(HttpTags.ServerRequestDuration, "s");
        _instruments = _app.Services.GetRequiredService<HttpInstruments>();
        _inFlight = _app.Services.GetRequiredService<InFlightRequests>();

        _silentMeter = new Meter("Pulse.Benchmarks.Silent");
        _silentDuration = _silentMeter.CreateHistogram<double>("duration");
        _silentSize = _silentMeter.CreateHistogram<long>("size");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _request?.Dispose();
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _silentMeter.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void NobodyListening()
    {
        _silentDuration.Record(0.0042, HostingTags());
        _silentSize.Record(0);
        _silentSize.Record(27);
    }

    [Benchmark]
    public void RecordOneRequest()
    {
        _inFlight.Enter();
        _duration.Record(0.0042, HostingTags());
        _instruments.RecordSizes("GET", "/products/{id}", 200, 0, 27);
        _inFlight.Leave();
    }

    /// <summary>The share of ASP.NET Core's own measurement (one update of the series by method, endpoint and status code).</summary>
    [Benchmark]
    public void RecordDurationOnly() => _duration.Record(0.0042, HostingTags());

    /// <summary>The share of the two body-size histograms.</summary>
    [Benchmark]
    public void RecordSizesOnly() => _instruments.RecordSizes("GET", "/products/{id}", 200, 0, 27);

    private static TagList HostingTags() => new()
    {
        { "http.request.method", "GET" },
        { "url.scheme", "http" },
        { "network.protocol.version", "1.1" },
        { "http.route", "/products/{id}" },
        { "http.response.status_code", Status200 },
    };
}
