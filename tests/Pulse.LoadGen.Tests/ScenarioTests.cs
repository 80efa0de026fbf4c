using Pulse.LoadGen.Scenarios;

namespace Pulse.LoadGen.Tests;

/// <summary>The scenarios' sequences, without a server.</summary>
public sealed class ScenarioTests
{
    private static readonly Uri Target = new("http://localhost:8080");

    [Fact]
    public void SeedSendsRootAndWelcomeEachRoundAndErrorEveryFifteenthRound()
    {
        var seed = new SeedScenario(Target);

        var first = Enumerable.Range(0, 62).Select(n => Describe(seed.ActionAt(n))).ToList();

        Assert.Equal("GET /", first[0]);
        Assert.Equal("GET /Welcome?name=Test", first[1]);
        Assert.Equal("GET /Welcome?name=Ada", first[3]);
        Assert.Equal("GET /error", first[30]);
        Assert.Equal("GET /error", first[61]);
        Assert.Equal(2, first.Count(d => d == "GET /error"));
        Assert.Equal(30, first.Count(d => d == "GET /"));
    }

    [Fact]
    public void MixedSendsTheDocumentedShareOfEachRequestPerFiftyRequests()
    {
        var mixed = new MixedScenario(Target, "test");
        var requests = new Dictionary<string, int>();
        foreach (var action in mixed.Cycle)
        {
            var key = action switch
            {
                SingleRequest single => single.Template.Uri.AbsolutePath,
                Flow flow => ReferenceEquals(flow, mixed.Cycle.OfType<Flow>().First()) ? "products" : "tasks",
                _ => "?",
            };
            requests[key] = requests.GetValueOrDefault(key) + action.Requests;
        }

        Assert.Equal(50, requests.Values.Sum());
        Assert.Equal(24, requests["/"]);
        Assert.Equal(15, requests["/Welcome"]);
        Assert.Equal(1, requests["/error"]);
        Assert.Equal(5, requests["products"]);
        Assert.Equal(5, requests["tasks"]);
    }

    [Fact]
    public void MixedNeverSendsTheSameKindOfFlowTwiceInARowAndSpreadsTheRoots()
    {
        var mixed = new MixedScenario(Target, "test");
        var cycle = mixed.Cycle;

        var longestRootRun = 0;
        var run = 0;
        foreach (var action in cycle)
        {
            run = action is SingleRequest { Template.Uri.AbsolutePath: "/" } ? run + 1 : 0;
            longestRootRun = Math.Max(longestRootRun, run);
        }

        Assert.True(longestRootRun <= 3, $"{longestRootRun} GET / in a row");
    }

    [Fact]
    public void ErrorBurstSendsTenErrorsAndThenNothing()
    {
        var burst = new ErrorBurstScenario(Target);

        Assert.All(Enumerable.Range(0, 10), n => Assert.Equal("GET /error", Describe(burst.ActionAt(n))));
        Assert.Null(burst.ActionAt(10));
    }

    [Fact]
    public void EndpointsAreTheServicesRouteTemplates()
    {
        var crud = new CrudScenario(Target, "test");

        Assert.Equal(
            ["POST /products", "GET /products/{id}", "GET /products", "PUT /products/{id}", "DELETE /products/{id}",
             "POST /tasks", "GET /tasks/{id}", "GET /tasks", "PUT /tasks/{id}", "DELETE /tasks/{id}"],
            crud.Endpoints.Select(e => e.ToString()));
    }

    [Fact]
    public void ATargetWithAPathPrefixKeepsIt()
    {
        var seed = new SeedScenario(new Uri("http://localhost:8080/pulse"));

        Assert.Equal("http://localhost:8080/pulse/Welcome?name=Test", ((SingleRequest)seed.ActionAt(1)).Template.Uri.AbsoluteUri);
    }

    private static string Describe(ScenarioAction? action) =>
        action is SingleRequest single ? $"{single.Template.Method} {single.Template.Uri.PathAndQuery}" : action?.GetType().Name ?? "none";
}
