using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;

namespace Pulse.Telemetry.Emf;

/// <summary>
/// The delta aggregation of the meters listed in <see cref="EmfOptions.Meters"/>, in a MeterProvider of its own
/// that listens only to them (their histograms base-2 exponential). It is separate from the application's
/// MeterProvider because there every reader aggregates every stream: a delta reader there would aggregate each
/// Prometheus stream a second time. Built only when further meters are listed; the request metrics come from
/// the request aggregation, which needs no MeterProvider.
/// </summary>
internal sealed class EmfCollector : IDisposable
{
    /// <summary>
    /// 32 buckets per power of two: a bucket's midpoint is within (2^(1/32) - 1) / (2^(1/32) + 1) = 1.08% of
    /// any value in it, so percentiles computed from the midpoints are within 2%.
    /// </summary>
    public const int MaxScale = ExponentialIndex.Scale;

    /// <summary>
    /// Buckets per point: 1024 at scale 5 span 2^32, so one interval's values rarely force the SDK to a coarser
    /// scale. (The SDK does not restore the scale after a delta collection, so a downscale would otherwise stick.)
    /// </summary>
    public const int MaxSize = 1024;

    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(10);

    private readonly PullMetricExporter _exporter = new();
    private readonly MeterProvider _provider;

    /// <param name="scope">This host's instruments.</param>
    /// <param name="meters">The meters whose instruments EMF publishes.</param>
    public EmfCollector(HostMeterScope scope, IEnumerable<string> meters)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Delta };
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter([.. meters])
            .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
            .AddView(instrument => scope.IsFromOtherHost(instrument)
                ? MetricStreamConfiguration.Drop
                : IsHistogram(instrument)
                    ? new Base2ExponentialBucketHistogramConfiguration { MaxScale = MaxScale, MaxSize = MaxSize, RecordMinMax = true }
                    : null)
            .AddReader(reader)
            .Build();
    }

    /// <summary>Takes everything recorded since the previous call, handing each metric to <paramref name="onMetric"/> while the collection is being read.</summary>
    public void Collect(Action<Metric> onMetric)
    {
        lock (_exporter)
        {
            _exporter.Pull(CollectTimeout, batch =>
            {
                foreach (var metric in batch)
                {
                    onMetric(metric);
                }

                return ExportResult.Success;
            });
        }
    }

    public void Dispose() => _provider.Dispose();

    private static bool IsHistogram(Instrument instrument) =>
        instrument.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(Histogram<>);
}
