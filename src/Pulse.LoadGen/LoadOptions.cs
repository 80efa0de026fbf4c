using Pulse.LoadGen.Scenarios;

namespace Pulse.LoadGen;

/// <summary>A validated command line.</summary>
internal sealed record LoadOptions
{
    public const string DefaultUrl = "http://localhost:8080";
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    public const int DefaultConcurrency = 16;

    /// <summary>Open loop: connections allowed when <c>--concurrency</c> is not given.</summary>
    public const int DefaultOpenLoopConnections = 256;

    public const double DefaultMaxErrorRate = 0.01;

    public required Uri Url { get; init; }

    public ScenarioName Scenario { get; init; } = ScenarioName.Seed;

    public TimeSpan Duration { get; init; } = DefaultDuration;

    /// <summary>Open-loop rate in requests per second; null for a closed loop.</summary>
    public double? Rps { get; init; }

    /// <summary>Closed loop: concurrent senders. Open loop: most connections at once. Null when not given.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Closed loop: the number of senders.</summary>
    public int EffectiveConcurrency => Concurrency ?? DefaultConcurrency;

    public string? JsonPath { get; init; }

    /// <summary>Largest acceptable share of unexpected outcomes (0..1) before exit code 1.</summary>
    public double MaxErrorRate { get; init; } = DefaultMaxErrorRate;

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public bool OpenLoop => Rps is not null;
}
