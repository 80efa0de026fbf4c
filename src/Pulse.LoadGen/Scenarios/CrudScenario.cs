using System.Diagnostics;
using System.Text.Json;

namespace Pulse.LoadGen.Scenarios;

/// <summary>
/// Alternates a product flow and a task flow (<see cref="CrudFlow"/>): create, read, list, update, delete.
/// Every row it creates it deletes, in the flow itself or in <see cref="CleanupAsync"/>.
/// </summary>
internal sealed class CrudScenario : Scenario
{
    private readonly CrudWorkload _crud;

    public CrudScenario(Uri target, string runId)
        : base(target) => _crud = new CrudWorkload(this, runId);

    public override ScenarioAction ActionAt(long sequence) => sequence % 2 == 0 ? _crud.Products : _crud.Tasks;

    public override Task CleanupAsync(FlowContext context, CancellationToken cancellationToken) => _crud.CleanupAsync(context, cancellationToken);
}

/// <summary>The product and task flows and the rows they leave while running; shared by the crud and mixed scenarios.</summary>
internal sealed class CrudWorkload
{
    /// <summary>Page size of the cleanup's search for rows whose create answer was lost (the contract's maximum).</summary>
    private const int ScanPageSize = 500;

    /// <summary>At most this many pages are searched (500,000 rows) before the cleanup gives up.</summary>
    private const int MaxScanPages = 1000;

    private readonly CrudResource _productResource;
    private readonly CrudResource _taskResource;
    private readonly CrudRows _rows;

    public CrudWorkload(Scenario scenario, string runId)
    {
        _rows = new CrudRows(runId);
        _productResource = new CrudResource(scenario, product: true);
        _taskResource = new CrudResource(scenario, product: false);
        Products = new CrudFlow(_productResource, _rows);
        Tasks = new CrudFlow(_taskResource, _rows);
    }

    public CrudFlow Products { get; }

    public CrudFlow Tasks { get; }

    /// <summary>
    /// Deletes the rows flows could not delete themselves (a stop or failure between create and delete),
    /// then, if some create's answer was lost, searches the collection for the run's prefix and deletes those too.
    /// </summary>
    public async Task CleanupAsync(FlowContext context, CancellationToken cancellationToken)
    {
        foreach (var (resource, registry, lost) in new[]
        {
            (_productResource, _rows.Products, _rows.LostProductCreates),
            (_taskResource, _rows.Tasks, _rows.LostTaskCreates),
        })
        {
            foreach (var id in registry.Keys)
            {
                if (cancellationToken.IsCancellationRequested || context.Control.Aborted.IsCancellationRequested)
                {
                    return;
                }

                await CrudFlow.DeleteAsync(context, resource, registry, id, expectAbsent: true);
            }

            if (lost)
            {
                await DeleteByPrefixAsync(context, resource, registry, cancellationToken);
            }
        }
    }

    private async Task DeleteByPrefixAsync(FlowContext context, CrudResource resource, System.Collections.Concurrent.ConcurrentDictionary<long, byte> registry, CancellationToken cancellationToken)
    {
        var found = new List<long>();
        Uri? page = resource.CollectionUri($"?limit={ScanPageSize}");
        for (var pages = 0; page is not null && pages < MaxScanPages; pages++)
        {
            if (cancellationToken.IsCancellationRequested || context.Control.Aborted.IsCancellationRequested)
            {
                return;
            }

            var step = await CrudFlow.StepAsync(
                context, resource.List, new HttpRequestMessage(HttpMethod.Get, page), Stopwatch.GetTimestamp(), 200,
                (_, body) => body.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? null : "the body has no items array");
            if (!step.Ok || step.Body is not { } body)
            {
                return;
            }

            foreach (var item in body.GetProperty("items").EnumerateArray())
            {
                if (item.TryGetProperty(resource.LabelProperty, out var label)
                    && label.GetString()?.StartsWith(_rows.Prefix, StringComparison.Ordinal) == true
                    && CrudFlow.TryGetId(item, out var id))
                {
                    found.Add(id);
                }
            }

            page = body.TryGetProperty("next", out var next) && next.GetString() is { Length: > 0 } link
                ? new Uri(resource.Target, link.TrimStart('/'))
                : null;
        }

        foreach (var id in found)
        {
            registry[id] = 0;
            await CrudFlow.DeleteAsync(context, resource, registry, id, expectAbsent: true);
        }
    }
}
