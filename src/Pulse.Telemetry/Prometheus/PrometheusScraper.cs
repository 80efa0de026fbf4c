using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Formats.Prometheus;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Prometheus;

/// <summary>
/// Reads the request aggregation and pulls the current cumulative state from the OpenTelemetry SDK, and
/// serializes both. Scrapes are
/// serialized by one gate; a scrape that waited while another collected takes that fresher result
/// instead of collecting again, so a burst of concurrent scrapes costs one collection.
/// </summary>
internal sealed class PrometheusScraper : IDisposable
{
    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly PullMetricExporter _exporter = new();
    private readonly PrometheusSchema _schema = new();
    private readonly TextExposition _exposition = new();
    private readonly ScrapeResult?[] _latest = new ScrapeResult?[2];
    private readonly RequestAggregation? _requests;

    /// <param name="requests">The host's request aggregation, when the HTTP metrics are added.</param>
    public PrometheusScraper(RequestAggregation? requests = null)
    {
        _requests = requests;
        Reader = new BaseExportingMetricReader(_exporter)
        {
            TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
        };
    }

    /// <summary>The reader to add to the MeterProvider.</summary>
    public MetricReader Reader { get; }

    /// <summary>Returns a scrape taken no earlier than this call, or null when the SDK could not be read.</summary>
    public async Task<ScrapeResult?> ScrapeAsync(bool openMetrics, CancellationToken cancellationToken)
    {
        var requestedAt = Stopwatch.GetTimestamp();
        if (!await _gate.WaitAsync(CollectTimeout, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            var slot = openMetrics ? 1 : 0;
            if (_latest[slot] is { } recent && recent.CollectedAt >= requestedAt)
            {
                return recent;
            }

            _exposition.Begin(openMetrics);
            var collectedAt = Stopwatch.GetTimestamp();
            if (_requests is not null)
            {
                PrometheusSchema.WriteRequests(_exposition, _requests);
            }

            var collected = _exporter.Pull(CollectTimeout, batch =>
            {
                _schema.Write(_exposition, batch);
                return ExportResult.Success;
            });
            _exposition.End();
            return collected ? _latest[slot] = new ScrapeResult(_exposition.Written.ToArray(), collectedAt) : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        Reader.Dispose();
        _gate.Dispose();
    }
}

/// <summary>One serialized scrape.</summary>
/// <param name="Body">UTF-8 exposition text.</param>
/// <param name="CollectedAt">Stopwatch timestamp taken just before the SDK was read.</param>
internal sealed record ScrapeResult(byte[] Body, long CollectedAt);
