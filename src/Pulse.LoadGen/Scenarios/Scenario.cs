using Pulse.LoadGen.Engine;
using Pulse.LoadGen.Measurement;

namespace Pulse.LoadGen.Scenarios;

/// <summary>The scenarios <c>--scenario</c> accepts.</summary>
internal enum ScenarioName
{
    Seed,
    Crud,
    Mixed,
    ErrorBurst,
    Root,
}

/// <summary>
/// A scenario is a deterministic sequence of actions: action <c>n</c> is a single request or a flow of
/// dependent requests. Senders share one sequence counter, so the blend is exact whatever the
/// concurrency. Endpoints are declared up front, which lets senders record by index without lookups.
/// </summary>
internal abstract class Scenario
{
    private readonly List<EndpointKey> _endpoints = [];

    protected Scenario(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Target = target.AbsoluteUri.EndsWith('/') ? target : new Uri(target.AbsoluteUri + "/");
    }

    /// <summary>Base address; always ends with a slash so relative routes resolve under any path prefix.</summary>
    public Uri Target { get; }

    public IReadOnlyList<EndpointKey> Endpoints => _endpoints;

    /// <summary>The action at position <paramref name="sequence"/>, or null when the scenario has nothing more to send.</summary>
    public abstract ScenarioAction? ActionAt(long sequence);

    /// <summary>Removes whatever the run left behind (CRUD rows); runs after every request has finished.</summary>
    public virtual Task CleanupAsync(FlowContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public static Scenario Create(ScenarioName name, Uri target, string runId) => name switch
    {
        ScenarioName.Seed => new SeedScenario(target),
        ScenarioName.Crud => new CrudScenario(target, runId),
        ScenarioName.Mixed => new MixedScenario(target, runId),
        ScenarioName.ErrorBurst => new ErrorBurstScenario(target),
        ScenarioName.Root => new RootScenario(target),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown scenario."),
    };

    /// <summary>Adds an endpoint (once) and returns its index.</summary>
    protected internal int Declare(string method, string route)
    {
        var key = new EndpointKey(method, route);
        var index = _endpoints.IndexOf(key);
        if (index >= 0)
        {
            return index;
        }

        _endpoints.Add(key);
        return _endpoints.Count - 1;
    }

    /// <summary><c>GET /Welcome?name=…</c> for one name.</summary>
    internal RequestTemplate WelcomeTemplate(string name) =>
        Get(Routes.Welcome, "Welcome?name=" + Uri.EscapeDataString(name), 200);

    /// <summary>A body-less request to <paramref name="relative"/> (no leading slash) recorded under <paramref name="route"/>.</summary>
    protected internal RequestTemplate Get(string route, string relative, int expectedStatus) =>
        new(Declare(HttpMethod.Get.Method, route), HttpMethod.Get, new Uri(Target, relative), expectedStatus);
}

/// <summary>One step of a scenario.</summary>
internal abstract class ScenarioAction(int requests)
{
    /// <summary>How many requests the action sends when all goes well; the open-loop schedule reserves that many slots.</summary>
    public int Requests { get; } = requests;
}

/// <summary>A single request, sent as is.</summary>
internal sealed class SingleRequest(RequestTemplate template) : ScenarioAction(1)
{
    public RequestTemplate Template { get; } = template;
}

/// <summary>Requests that depend on each other's answers, sent one after another.</summary>
internal abstract class Flow(int requests) : ScenarioAction(requests)
{
    /// <summary>
    /// Runs the flow. The first request counts its latency from <paramref name="intendedStart"/>; later ones
    /// from the moment the answer they depend on arrived, which is when a real client would send them.
    /// </summary>
    public abstract Task RunAsync(FlowContext context, long sequence, long intendedStart);
}

/// <summary>What a flow needs from the run.</summary>
internal sealed class FlowContext(HttpDriver driver, RunControl control)
{
    public HttpDriver Driver { get; } = driver;

    public RunControl Control { get; } = control;
}
