using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Pulse.Telemetry.Collection;

/// <summary>
/// A pull-only exporter: its reader hands it a collect delegate, and <see cref="Pull"/> runs one collection
/// whose batch goes to the given callback. Callers serialize their calls (a collection is not reentrant).
/// </summary>
[ExportModes(ExportModes.Pull)]
internal sealed class PullMetricExporter : BaseExporter<Metric>, IPullMetricExporter
{
    private Func<Batch<Metric>, ExportResult>? _onExport;

    /// <summary>Set by the reader this exporter is attached to (<see cref="IPullMetricExporter"/>).</summary>
    public Func<int, bool>? Collect { get; set; }

    /// <summary>Collects once, handing the batch to <paramref name="onExport"/>; false when the collection failed or timed out.</summary>
    public bool Pull(TimeSpan timeout, Func<Batch<Metric>, ExportResult> onExport)
    {
        _onExport = onExport;
        try
        {
            return Collect?.Invoke((int)timeout.TotalMilliseconds) == true;
        }
        finally
        {
            _onExport = null;
        }
    }

    public override ExportResult Export(in Batch<Metric> batch) => _onExport?.Invoke(batch) ?? ExportResult.Success;
}
