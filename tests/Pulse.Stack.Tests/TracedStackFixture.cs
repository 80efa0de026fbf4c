using System.Globalization;
using Microsoft.AspNetCore.Mvc.Testing;
using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>
/// The service (in process, on a real Kestrel port) scraped every second by two of Debian's Prometheus 2.42:
/// one with <c>--enable-feature=exemplar-storage,native-histograms</c>, which asks for the protobuf format and
/// stores the request duration as a native histogram, and one with exemplar storage only, which asks for
/// OpenMetrics and stores the classic buckets. Prometheus 2.42 keeps only the native form of a histogram that
/// has both (keeping the classic one too, <c>scrape_classic_histograms</c>, came with 2.45), so the classic
/// estimate needs the second server. Requests go out through <see cref="Traces"/>: the service traces them and
/// exports its spans over OTLP to a receiver in the test (<see cref="OtlpTraceSource"/>).
/// </summary>
/// <remarks>
/// The service's classic duration buckets are set to the schema-5 boundaries <c>2^(k/32)</c> from 2^-15 s (about
/// 30 µs) to 1 s, so that the classic estimate of a quantile interpolates in the very buckets the native one does
/// and the two can be compared at the native resolution; the default buckets are ten times coarser.
/// </remarks>
public sealed class TracedStackFixture : IAsyncLifetime
{
    public static readonly string[] Tools = ["prometheus"];

    private string? _configDirectory;

    public ITraceSource Traces { get; private set; } = new TraceparentSource();

    public HttpClient Service { get; private set; } = new();

    public PrometheusServer Native { get; private set; } = null!;

    public PrometheusServer Classic { get; private set; } = null!;

    private ServiceFactory? Factory { get; set; }

    /// <summary>The classic duration bounds the service runs with here (see the remarks).</summary>
    public static IReadOnlyList<double> AlignedBounds { get; } = [.. Enumerable.Range(-15 * 32, (15 * 32) + 1).Select(k => Math.Pow(2, k / 32.0))];

    public async Task InitializeAsync()
    {
        if (ExternalTools.SkipReason(Tools) is not null)
        {
            return;
        }

        Traces = await OtlpTraceSource.StartAsync();
        var port = FreePort.Next();
        Factory = new ServiceFactory(Traces);
        Factory.UseKestrel(port);
        Factory.StartServer();
        Service = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        _configDirectory = Directory.CreateTempSubdirectory("pulse-traced-prometheus-").FullName;
        var config = Path.Combine(_configDirectory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: pulse-api
                static_configs:
                  - targets: ["127.0.0.1:{port}"]
            """);
        Native = await PrometheusServer.StartAsync(config, arguments: ["--enable-feature=exemplar-storage,native-histograms"]);
        Classic = await PrometheusServer.StartAsync(config, arguments: ["--enable-feature=exemplar-storage"]);
    }

    public async Task DisposeAsync()
    {
        Service.Dispose();
        if (Native is not null)
        {
            await Native.DisposeAsync();
        }

        if (Classic is not null)
        {
            await Classic.DisposeAsync();
        }

        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        if (_configDirectory is not null)
        {
            Directory.Delete(_configDirectory, recursive: true);
        }

        if (Traces is IAsyncDisposable traces)
        {
            await traces.DisposeAsync();
        }
    }

    /// <summary>GETs <paramref name="path"/> through the trace source.</summary>
    public async Task GetAsync(string path, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        Traces.Prepare(request);
        using var response = await Service.SendAsync(request, cancellationToken);
    }

    private sealed class ServiceFactory(ITraceSource traces) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            for (var i = 0; i < AlignedBounds.Count; i++)
            {
                builder.UseSetting($"Telemetry:Http:DurationBuckets:{i}", AlignedBounds[i].ToString("R", CultureInfo.InvariantCulture));
            }

            traces.Configure(builder);
        }
    }
}
