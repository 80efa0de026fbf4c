#:sdk Microsoft.NET.Sdk.Web
#:property PublishAot=false
#:property IsPackable=false
#:property NoWarn=$(NoWarn);CS1591;CA1303;CA1812;CA1849;CA5394
#:project ../../src/Pulse.Telemetry/Pulse.Telemetry.csproj

// What CloudWatch EMF costs: bytes on stdout for the same traffic in Aggregated and PerRequest mode, and the
// time ASP.NET Core's per-request duration measurement takes with and without Aggregated mode listening.
// Only the public surface of Pulse.Telemetry is used: a host with AddPulseTelemetry(), stdout redirected to a
// counter, and measurements recorded on the hosting meter's http.server.request.duration through the host's
// IMeterFactory, exactly where ASP.NET Core records them (so no HTTP stack is in the figures).
//
// Run from the repository root:  dotnet run bench/emf/EmfBench.cs -c Release -- [requests]
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Pulse.Telemetry;
using Pulse.Telemetry.Hosting;

var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var stdout = Console.Out;
var counter = new CountingWriter();
Console.SetOut(counter);

var aggregated = await MeasureBytesAsync("Aggregated", requests, counter);
var perRequest = await MeasureBytesAsync("PerRequest", requests, counter);
var (recordOff, recordOn) = await MeasureRecordAsync();
Console.SetOut(stdout);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"EMF output for {requests:N0} requests in one 60 s interval"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Aggregated: {aggregated.Bytes,13:N0} bytes in {aggregated.Lines,7:N0} documents"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  PerRequest: {perRequest.Bytes,13:N0} bytes in {perRequest.Lines,7:N0} documents"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  PerRequest / Aggregated: {(double)perRequest.Bytes / aggregated.Bytes:N0}x"));
Console.WriteLine("Recording one http.server.request.duration measurement (one thread; median of 15 alternating runs of 200,000)");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  EMF off (Prometheus views only): {recordOff:N1} ns"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  EMF Aggregated (plus its stream): {recordOn:N1} ns ({recordOn / recordOff:N2}x)"));

static async Task<(long Bytes, long Lines)> MeasureBytesAsync(string mode, int requests, CountingWriter counter)
{
    await using var app = Build(["--Telemetry:Emf:Enabled=true", $"--Telemetry:Emf:Mode={mode}", "--Telemetry:Emf:QueueCapacity=1000000"]);
    await app.StartAsync();
    var duration = HostingDuration(app);
    var traffic = new Traffic(seed: 42);
    counter.Reset();
    for (var i = 0; i < requests; i++)
    {
        traffic.Record(duration, i, perRequestTags: mode == "PerRequest");
    }

    // The stop writes the interval (Aggregated) and waits until every queued document is on "stdout".
    await app.StopAsync();
    return (counter.Chars, counter.Lines);
}

static async Task<(double Off, double On)> MeasureRecordAsync()
{
    // Both hosts at once, measured in turns, so that whatever else the machine does weighs on both alike.
    // Each host's providers listen only to its own instruments.
    await using var off = Build(["--Telemetry:Emf:Enabled=false"]);
    await using var on = Build(["--Telemetry:Emf:Enabled=true", "--Telemetry:Emf:Mode=Aggregated"]);
    await off.StartAsync();
    await on.StartAsync();
    (Histogram<double> Duration, Traffic Traffic, List<double> Runs)[] subjects =
        [(HostingDuration(off), new Traffic(seed: 7), []), (HostingDuration(on), new Traffic(seed: 7), [])];
    const int Count = 200_000;
    for (var run = 0; run < 16; run++)
    {
        foreach (var (duration, traffic, runs) in subjects)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Count; i++)
            {
                traffic.Record(duration, i, perRequestTags: false);
            }

            // The first run warms up (JIT, metric points); it is not counted.
            if (run > 0)
            {
                runs.Add(clock.Elapsed.TotalNanoseconds / Count);
            }
        }
    }

    await on.StopAsync();
    await off.StopAsync();
    return (Median(subjects[0].Runs), Median(subjects[1].Runs));

    static double Median(List<double> runs)
    {
        runs.Sort();
        return runs[runs.Count / 2];
    }
}

static WebApplication Build(string[] settings)
{
    var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0", .. settings]);
    builder.Logging.ClearProviders();
    builder.AddPulseTelemetry();
    return builder.Build();
}

static Histogram<double> HostingDuration(WebApplication app) =>
    app.Services.GetRequiredService<IMeterFactory>().Create(PulseMetrics.AspNetCoreHostingMeterName)
        .CreateHistogram<double>("http.server.request.duration", "s", "Duration of HTTP server requests.");

/// <summary>A service's mix: five routes, a few error codes, log-normal latencies around 5 ms (0.3 to 100 ms and a tail).</summary>
internal sealed class Traffic(int seed)
{
    private static readonly (string? Route, int Status, string Method)[] Kinds =
    [
        ("/", 200, "GET"), ("/products/{id}", 200, "GET"), ("/products/{id}", 404, "GET"), ("/products", 201, "POST"),
        ("/Welcome", 200, "GET"), ("/Welcome", 400, "GET"), ("/error", 500, "GET"), (null, 404, "GET"),
    ];

    private readonly Random _random = new(seed);
    private readonly double[] _latencies = new double[4096];
    private int _next;

    public void Record(Histogram<double> duration, int i, bool perRequestTags)
    {
        if (_next == 0)
        {
            for (var k = 0; k < _latencies.Length; k++)
            {
                var z = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
                _latencies[k] = Math.Exp(Math.Log(0.005) + (0.8 * z));
            }
        }

        var seconds = _latencies[_next];
        _next = (_next + 1) % _latencies.Length;
        var (route, status, method) = Kinds[i % Kinds.Length];
        var tags = new TagList
        {
            { "http.request.method", method },
            { "url.scheme", "http" },
            { "network.protocol.version", "1.1" },
            { "http.response.status_code", status },
        };
        if (route is not null)
        {
            tags.Add("http.route", route);
        }

        if (perRequestTags)
        {
            // As long as Kestrel's request ids and W3C trace ids.
            tags.Add("pulse.request_id", string.Create(CultureInfo.InvariantCulture, $"0HNBENCHEMF{i / 1000:D2}:{i % 1000:X8}"));
            tags.Add("pulse.trace_id", string.Create(CultureInfo.InvariantCulture, $"{i:x32}"));
        }

        duration.Record(seconds, tags);
    }
}

/// <summary>Stands in for stdout and counts what reaches it (EMF lines are ASCII: one char is one byte).</summary>
internal sealed class CountingWriter : TextWriter
{
    private long _chars;
    private long _lines;

    public override Encoding Encoding => Encoding.ASCII;

    public long Chars => Interlocked.Read(ref _chars);

    public long Lines => Interlocked.Read(ref _lines);

    public void Reset()
    {
        Interlocked.Exchange(ref _chars, 0);
        Interlocked.Exchange(ref _lines, 0);
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (value is null)
        {
            return;
        }

        Interlocked.Add(ref _chars, value.Length);
        Interlocked.Add(ref _lines, value.AsSpan().Count('\n'));
    }
}
