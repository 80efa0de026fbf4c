using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Pulse.Telemetry.Collection;
using Pulse.Telemetry.Formats.Prometheus;
using Pulse.Telemetry.Schema;

namespace Pulse.Telemetry.Prometheus;

/// <summary>
/// Reads the request aggregation and pulls the current cumulative state from the OpenTelemetry SDK, and
/// serializes both in the format asked for. Scrapes are serialized by one gate; a scrape that waited while
/// another collected the same format takes that fresher result instead of collecting again, so a burst of
/// concurrent scrapes costs one collection.
/// </summary>
internal sealed class PrometheusScraper : IDisposable
{
    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly PullMetricExporter _exporter = new();
    private readonly PrometheusSchema _schema = new();
    private readonly TextExposition _text = new();
    private readonly ProtobufExposition _protobuf = new();
    private readonly ScrapeResult?[] _latest = new ScrapeResult?[3];
    private readonly RequestAggregation? _requests;
    private readonly bool _exemplars;
    private readonly bool _nativeHistograms;

    /// <param name="requests">The host's request aggregation, when the HTTP metrics are added.</param>
    /// <param name="options">Whether exemplars and native histograms are written (both are by default).</param>
    public PrometheusScraper(RequestAggregation? requests = null, PrometheusOptions? options = null)
    {
        _requests = requests;
        _exemplars = options?.Exemplars ?? true;
        _nativeHistograms = options?.NativeHistograms ?? true;
        Reader = new BaseExportingMetricReader(_exporter)
        {
            TemporalityPreference = MetricReaderTemporalityPreference.Cumulative,
        };
    }

    /// <summary>The reader to add to the MeterProvider.</summary>
    public MetricReader Reader { get; }

    /// <summary>Returns a scrape in the 0.0.4 text format or OpenMetrics (see <see cref="ScrapeAsync(ExpositionFormat, CancellationToken)"/>).</summary>
    public Task<ScrapeResult?> ScrapeAsync(bool openMetrics, CancellationToken cancellationToken) =>
        ScrapeAsync(openMetrics ? ExpositionFormat.OpenMetrics : ExpositionFormat.Text, cancellationToken);

    /// <summary>
    /// Returns a scrape taken no earlier than this call, or null when the SDK could not be read. Exemplars are
    /// written in OpenMetrics and protobuf (the 0.0.4 text format has none), native buckets in protobuf only.
    /// </summary>
    public async Task<ScrapeResult?> ScrapeAsync(ExpositionFormat format, CancellationToken cancellationToken)
    {
        var requestedAt = Stopwatch.GetTimestamp();
        if (!await _gate.WaitAsync(CollectTimeout, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            var slot = (int)format;
            if (_latest[slot] is { } recent && recent.CollectedAt >= requestedAt)
            {
                return recent;
            }

            Exposition exposition;
            if (format == ExpositionFormat.Protobuf)
            {
                _protobuf.Begin();
                exposition = _protobuf;
            }
            else
            {
                _text.Begin(openMetrics: format == ExpositionFormat.OpenMetrics);
                exposition = _text;
            }

            var collectedAt = Stopwatch.GetTimestamp();
            if (_requests is not null)
            {
                PrometheusSchema.WriteRequests(
                    exposition, _requests, exemplars: _exemplars && format != ExpositionFormat.Text, native: _nativeHistograms && format == ExpositionFormat.Protobuf);
            }

            var collected = _exporter.Pull(CollectTimeout, batch =>
            {
                _schema.Write(exposition, batch);
                return ExportResult.Success;
            });
            exposition.End();
            return collected ? _latest[slot] = new ScrapeResult(exposition.Written.ToArray(), collectedAt) : null;
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

/// <summary>The exposition formats a scrape can be written in.</summary>
internal enum ExpositionFormat
{
    /// <summary>The Prometheus text format 0.0.4.</summary>
    Text,

    /// <summary>OpenMetrics 1.0.0 text.</summary>
    OpenMetrics,

    /// <summary>The Prometheus protobuf format, length-delimited <c>io.prometheus.client.MetricFamily</c> messages.</summary>
    Protobuf,
}

/// <summary>One serialized scrape.</summary>
/// <param name="Body">The exposition's bytes.</param>
/// <param name="CollectedAt">Stopwatch timestamp taken just before the SDK was read.</param>
internal sealed record ScrapeResult(byte[] Body, long CollectedAt);
