using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Formats.Emf;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// The delta aggregation EMF needs, in a MeterProvider of its own that listens only to what EMF publishes:
/// ASP.NET Core's <c>http.server.request.duration</c> (this host's) as a base-2 exponential histogram by route
/// and status code, and the meters listed in <see cref="EmfOptions.Meters"/> (their histograms exponential
/// too). It is separate from the application's MeterProvider because there every reader aggregates every
/// stream: a delta reader there would aggregate each Prometheus stream a second time, and the exponential
/// streams would be aggregated by every other reader too.
/// </summary>
internal sealed class EmfCollector : IDisposable
{
    /// <summary>
    /// 32 buckets per power of two: a bucket's midpoint is within (2^(1/32) - 1) / (2^(1/32) + 1) = 1.08% of
    /// any value in it, so percentiles computed from the midpoints are within 2%.
    /// </summary>
    public const int MaxScale = 5;

    /// <summary>
    /// Buckets per point: 1024 at scale 5 span 2^32, e.g. 1 µs to 71 minutes, so one interval's durations never
    /// force the SDK to a coarser scale. (The SDK does not restore the scale after a delta collection, so a
    /// downscale would otherwise stick.) Memory: 8 KB per point when it is first used, plus the SDK's snapshot
    /// copy.
    /// </summary>
    public const int MaxSize = 1024;

    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(10);

    private readonly PullMetricExporter _exporter = new();
    private readonly MeterProvider _provider;

    /// <param name="scope">This host's instruments.</param>
    /// <param name="requestDurations">Whether to aggregate the request duration (Aggregated mode).</param>
    /// <param name="meters">Further meters whose instruments EMF publishes.</param>
    public EmfCollector(HostMeterScope scope, bool requestDurations, IEnumerable<string> meters)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Delta };
        string[] tagKeys = [HttpTags.Route, HttpTags.StatusCode];
        var builder = Sdk.CreateMeterProviderBuilder()
            .AddMeter([.. meters])
            .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
            .AddView(instrument =>
            {
                if (scope.IsFromOtherHost(instrument))
                {
                    return MetricStreamConfiguration.Drop;
                }

                if (instrument.Meter.Name == PulseMetrics.AspNetCoreHostingMeterName)
                {
                    return requestDurations && instrument.Name == HttpTags.ServerRequestDuration
                        ? new Base2ExponentialBucketHistogramConfiguration { MaxScale = MaxScale, MaxSize = MaxSize, TagKeys = tagKeys, RecordMinMax = true }
                        : MetricStreamConfiguration.Drop;
                }

                return IsHistogram(instrument)
                    ? new Base2ExponentialBucketHistogramConfiguration { MaxScale = MaxScale, MaxSize = MaxSize, RecordMinMax = true }
                    : null;
            })
            .AddReader(reader);
        if (requestDurations)
        {
            builder.AddMeter(PulseMetrics.AspNetCoreHostingMeterName);
        }

        _provider = builder.Build();
    }

    /// <summary>
    /// Takes everything recorded since the previous call: the request durations by route (null when no route
    /// matched) and status code, returned; every metric of the further meters, handed to
    /// <paramref name="onMetric"/> while the collection is being read.
    /// </summary>
    public IReadOnlyList<RouteStatusHistogram> Collect(Action<Metric>? onMetric = null)
    {
        var result = new List<RouteStatusHistogram>();
        lock (_exporter)
        {
            _exporter.Pull(CollectTimeout, batch =>
            {
                foreach (var metric in batch)
                {
                    if (metric.MeterName != PulseMetrics.AspNetCoreHostingMeterName)
                    {
                        onMetric?.Invoke(metric);
                        continue;
                    }

                    foreach (ref readonly var point in metric.GetMetricPoints())
                    {
                        string? route = null;
                        var status = 0;
                        foreach (var tag in point.Tags)
                        {
                            if (tag.Key == HttpTags.Route)
                            {
                                route = tag.Value as string;
                            }
                            else if (tag.Key == HttpTags.StatusCode && tag.Value is int code)
                            {
                                status = code;
                            }
                        }

                        var distribution = ExponentialDistribution.From(point);
                        if (distribution.Count > 0)
                        {
                            result.Add(new RouteStatusHistogram(route, status, distribution));
                        }
                    }
                }

                return ExportResult.Success;
            });
        }

        return result;
    }

    public void Dispose() => _provider.Dispose();

    private static bool IsHistogram(Instrument instrument) =>
        instrument.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(Histogram<>);
}
