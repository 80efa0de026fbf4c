namespace Pulse.LoadGen.Scenarios;

/// <summary>
/// The reference traffic script (a curl loop over the three greeting routes) as a steady stream: each round
/// sends <c>GET /</c> and <c>GET /Welcome?name=…</c>, and every 15th round also <c>GET /error</c>, whose 500
/// is intended (it feeds the error panels and alarms). That is 31 requests per 15 rounds, 1 of them an
/// intended error (3.2%).
/// </summary>
internal sealed class SeedScenario : Scenario
{
    /// <summary>Every this many rounds one <c>/error</c> request follows.</summary>
    public const int ErrorEveryRounds = 15;

    private const int BlockLength = (2 * ErrorEveryRounds) + 1;

    private readonly SingleRequest _root;
    private readonly SingleRequest[] _welcomes;
    private readonly SingleRequest _error;

    public SeedScenario(Uri target)
        : base(target)
    {
        _root = new SingleRequest(Get(Routes.Root, string.Empty, 200));
        _welcomes = WelcomeRequests(this);
        _error = new SingleRequest(Get(Routes.Error, "error", 500));
    }

    /// <summary>Names the seed's <c>/Welcome</c> calls rotate through; the first is the seed's own.</summary>
    public static IReadOnlyList<string> Names { get; } = ["Test", "Ada", "Grace", "Linus", "Zoë"];

    public override ScenarioAction ActionAt(long sequence)
    {
        var block = sequence / BlockLength;
        var position = (int)(sequence % BlockLength);
        if (position == BlockLength - 1)
        {
            return _error;
        }

        var round = (block * ErrorEveryRounds) + (position / 2);
        return position % 2 == 0 ? _root : _welcomes[round % _welcomes.Length];
    }

    internal static SingleRequest[] WelcomeRequests(Scenario scenario) =>
        [.. Names.Select(name => new SingleRequest(scenario.WelcomeTemplate(name)))];
}

/// <summary>Only <c>GET /</c>: the request <c>wrk</c> sends in the benchmark, and a quick smoke check.</summary>
internal sealed class RootScenario : Scenario
{
    private readonly SingleRequest _root;

    public RootScenario(Uri target)
        : base(target) => _root = new SingleRequest(Get(Routes.Root, string.Empty, 200));

    public override ScenarioAction ActionAt(long sequence) => _root;
}

/// <summary>
/// Enough intended errors to trip the error alarms, then stop: <see cref="Size"/> <c>GET /error</c> requests.
/// The CloudWatch alarm fires on at least 5 errors summed over one 2-minute period, and 10 errors sent within
/// 2 minutes touch at most two such periods, so one of them holds at least 5 however the burst is aligned.
/// </summary>
internal sealed class ErrorBurstScenario : Scenario
{
    public const int Size = 10;

    /// <summary>The window the errors must fit in (the alarm's period).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    private readonly SingleRequest _error;

    public ErrorBurstScenario(Uri target)
        : base(target) => _error = new SingleRequest(Get(Routes.Error, "error", 500));

    public override ScenarioAction? ActionAt(long sequence) => sequence < Size ? _error : null;
}
