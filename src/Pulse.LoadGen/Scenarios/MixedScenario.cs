namespace Pulse.LoadGen.Scenarios;

/// <summary>
/// A weighted blend, per 50 requests: 24 <c>GET /</c> (48%), 15 <c>GET /Welcome?name=…</c> (30%), 1 intended
/// <c>GET /error</c> (2%), one product CRUD flow (5 requests, 10%) and one task CRUD flow (5 requests, 10%).
/// The 42 actions of a cycle are interleaved by smooth weighted round-robin (the algorithm of nginx's
/// upstream module), so every stretch of the run has the same blend.
/// </summary>
internal sealed class MixedScenario : Scenario
{
    private readonly ScenarioAction[] _cycle;
    private readonly SingleRequest[] _welcomes;
    private readonly CrudWorkload _crud;

    public MixedScenario(Uri target, string runId)
        : base(target)
    {
        var root = new SingleRequest(Get(Routes.Root, string.Empty, 200));
        _welcomes = SeedScenario.WelcomeRequests(this);
        var error = new SingleRequest(Get(Routes.Error, "error", 500));
        _crud = new CrudWorkload(this, runId);
        _cycle = Interleave([(root, 24), (_welcomes[0], 15), (error, 1), (_crud.Products, 1), (_crud.Tasks, 1)]);
    }

    /// <summary>The weights above: action and how many of it per cycle.</summary>
    public IReadOnlyList<ScenarioAction> Cycle => _cycle;

    public override ScenarioAction ActionAt(long sequence)
    {
        var action = _cycle[sequence % _cycle.Length];
        // Rotate the names the way the seed scenario does.
        return ReferenceEquals(action, _welcomes[0]) ? _welcomes[(sequence / _cycle.Length) % _welcomes.Length] : action;
    }

    public override Task CleanupAsync(FlowContext context, CancellationToken cancellationToken) => _crud.CleanupAsync(context, cancellationToken);

    /// <summary>
    /// Smooth weighted round-robin: each turn every entry gains its weight, the largest total is picked and
    /// loses the sum of all weights. Heavier entries come more often but never in long runs.
    /// </summary>
    internal static ScenarioAction[] Interleave(IReadOnlyList<(ScenarioAction Action, int Weight)> entries)
    {
        var total = entries.Sum(e => e.Weight);
        var current = new int[entries.Count];
        var cycle = new ScenarioAction[total];
        for (var turn = 0; turn < total; turn++)
        {
            var best = 0;
            for (var i = 0; i < entries.Count; i++)
            {
                current[i] += entries[i].Weight;
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            cycle[turn] = entries[best].Action;
        }

        return cycle;
    }
}
