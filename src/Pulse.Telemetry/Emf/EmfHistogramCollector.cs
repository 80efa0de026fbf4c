using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Http;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// Aggregated mode's only per-request cost: a MeterProvider of its own that listens to nothing but ASP.NET
/// Core's <c>http.server.request.duration</c> (this host's), with one delta stream, a base-2 exponential
/// histogram by route and status code. It is separate from the Prometheus provider because in the SDK every
/// reader aggregates every stream: EMF streams there would double the cost of each Prometheus stream too.
/// </summary>
internal sealed class EmfHistogramCollector : IDisposable
{
    /// <summary>
    /// 32 buckets per power of two: a bucket's midpoint is within (2^(1/32) - 1) / (2^(1/32) + 1) = 1.08% of
    /// any value in it, so percentiles computed from the midpoints are within 2%.
    /// </summary>
    public const int MaxScale = 5;

    /// <summary>
    /// Buckets per (route, status) point: 1024 at scale 5 span 2^32, e.g. 1 µs to 71 minutes, so one interval's
    /// durations never force the SDK to a coarser scale. (The SDK does not restore the scale after a delta
    /// collection, so a downscale would otherwise stick.) Memory: 8 KB per point when it is first used, plus
    /// the SDK's snapshot copy.
    /// </summary>
    public const int MaxSize = 1024;

    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(10);

    private readonly PullMetricExporter _exporter = new();
    private readonly MeterProvider _provider;

    public EmfHistogramCollector(HostMeterScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Delta };
        string[] tagKeys = [HttpInstruments.RouteTag, HttpInstruments.StatusCodeTag];
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PulseMetrics.AspNetCoreHostingMeterName)
            .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
            .AddView(instrument =>
                instrument.Meter.Name == PulseMetrics.AspNetCoreHostingMeterName
                && instrument.Name == HttpInstruments.ServerRequestDuration
                && !scope.IsFromOtherHost(instrument)
                    ? new Base2ExponentialBucketHistogramConfiguration { MaxScale = MaxScale, MaxSize = MaxSize, TagKeys = tagKeys, RecordMinMax = true }
                    : MetricStreamConfiguration.Drop)
            .AddReader(reader)
            .Build();
    }

    /// <summary>Takes everything recorded since the previous call, by route (null when no route matched) and status code.</summary>
    public IReadOnlyList<RouteStatusHistogram> Collect()
    {
        var result = new List<RouteStatusHistogram>();
        lock (_exporter)
        {
            _exporter.Pull(CollectTimeout, batch =>
            {
                foreach (var metric in batch)
                {
                    if (metric.MetricType != MetricType.ExponentialHistogram)
                    {
                        continue;
                    }

                    foreach (ref readonly var point in metric.GetMetricPoints())
                    {
                        string? route = null;
                        var status = 0;
                        foreach (var tag in point.Tags)
                        {
                            if (tag.Key == HttpInstruments.RouteTag)
                            {
                                route = tag.Value as string;
                            }
                            else if (tag.Key == HttpInstruments.StatusCodeTag && tag.Value is int code)
                            {
                                status = code;
                            }
                        }

                        var distribution = LatencyDistribution.From(point);
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
}

/// <summary>The durations of one (route, status code) combination in one interval.</summary>
internal sealed record RouteStatusHistogram(string? Route, int StatusCode, LatencyDistribution Distribution);
