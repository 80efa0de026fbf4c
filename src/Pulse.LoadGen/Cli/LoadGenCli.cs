using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Pulse.LoadGen.Engine;
using Pulse.LoadGen.Output;
using Pulse.LoadGen.Scenarios;

namespace Pulse.LoadGen.Cli;

/// <summary>The command line (System.CommandLine 3): options, their checks, and the exit codes of docs/loadgen.md.</summary>
internal static class LoadGenCli
{
    // Defaults are applied in Bind and stated in the descriptions, so help shows them as they are typed.
    private static readonly Option<Uri?> UrlOption = new("--url")
    {
        Description = $"Base address of the service [default: {LoadOptions.DefaultUrl}].",
        HelpName = "url",
        CustomParser = ParseUrl,
    };

    private static readonly Option<ScenarioName?> ScenarioOption = new("--scenario")
    {
        Description = "What to send: seed (the seed's script: /, /Welcome, every 15th round /error), crud (products and tasks), mixed (weighted blend), error-burst (10 errors, then stop), root (GET / only) [default: seed].",
        HelpName = string.Join('|', ScenarioNames.All),
        CustomParser = ParseScenario,
    };

    private static readonly Option<TimeSpan?> DurationOption = new("--duration")
    {
        Description = "How long to send, e.g. 30s, 2m, 1h, 1m30s [default: 60s; error-burst: at most 2m].",
        HelpName = "duration",
        CustomParser = r => ParsePositiveDuration(r, "--duration"),
    };

    private static readonly Option<double?> RpsOption = new("--rps")
    {
        Description = "Requests per second on an open-loop schedule (latency counts from each request's intended send time). Without it: closed loop.",
        HelpName = "rate",
        CustomParser = ParseRps,
    };

    private static readonly Option<int?> ConcurrencyOption = new("--concurrency")
    {
        Description = string.Create(
            CultureInfo.InvariantCulture,
            $"Closed loop: concurrent senders [default: {LoadOptions.DefaultConcurrency}]. Open loop: most connections at once [default: {LoadOptions.DefaultOpenLoopConnections}]."),
        HelpName = "n",
        CustomParser = ParseConcurrency,
    };

    private static readonly Option<string?> JsonOption = new("--json")
    {
        Description = "Also write the summary as JSON to this file (schema in docs/loadgen.md).",
        HelpName = "file",
        CustomParser = ParseJsonPath,
    };

    private static readonly Option<double?> MaxErrorRateOption = new("--max-error-rate")
    {
        Description = string.Create(
            CultureInfo.InvariantCulture,
            $"Exit with code 1 when more than this fraction (0..1) of requests had unexpected outcomes; intended errors (/error's 500) are expected and do not count [default: {LoadOptions.DefaultMaxErrorRate}]."),
        HelpName = "fraction",
        CustomParser = ParseFraction,
    };

    private static readonly Option<TimeSpan?> TimeoutOption = new("--timeout")
    {
        Description = $"Per-request time limit, e.g. 10s, 500ms [default: {Durations.Format(LoadOptions.DefaultTimeout)}].",
        HelpName = "duration",
        CustomParser = r => ParsePositiveDuration(r, "--timeout"),
    };

    /// <summary>Parses <paramref name="args"/> and runs; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, RunControl control)
    {
        ArgumentNullException.ThrowIfNull(console);
        var root = Build();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await console.Error.WriteLineAsync($"error: {error.Message}");
            }

            await console.Error.WriteLineAsync("Run with --help to see the options.");
            return ExitCodes.BadArguments;
        }

        if (parsed.Action is not null)
        {
            // --help or --version.
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error, ProcessTerminationTimeout = null });
        }

        var options = Bind(parsed);
        if (Validate(options) is { } problem)
        {
            await console.Error.WriteLineAsync($"error: {problem}");
            return ExitCodes.BadArguments;
        }

        try
        {
            return await new LoadRunner(options, console, control).RunAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await console.Error.WriteLineAsync($"error: internal failure, please report it: {ex}");
            return ExitCodes.InternalError;
        }
    }

    internal static RootCommand Build()
    {
        var root = new RootCommand("Pulse's traffic generator: seed, CRUD, mixed and error-burst scenarios at an open-loop rate or a closed-loop concurrency, with a per-endpoint summary.")
        {
            UrlOption, ScenarioOption, DurationOption, RpsOption, ConcurrencyOption, JsonOption, MaxErrorRateOption, TimeoutOption,
        };
        return root;
    }

    private static LoadOptions Bind(ParseResult parsed)
    {
        var scenario = parsed.GetValue(ScenarioOption) ?? ScenarioName.Seed;
        return new LoadOptions
        {
            Url = parsed.GetValue(UrlOption) ?? new Uri(LoadOptions.DefaultUrl),
            Scenario = scenario,
            Duration = parsed.GetValue(DurationOption) ?? DefaultDuration(scenario),
            Rps = parsed.GetValue(RpsOption),
            Concurrency = parsed.GetValue(ConcurrencyOption),
            JsonPath = parsed.GetValue(JsonOption),
            MaxErrorRate = parsed.GetValue(MaxErrorRateOption) ?? LoadOptions.DefaultMaxErrorRate,
            Timeout = parsed.GetValue(TimeoutOption) ?? LoadOptions.DefaultTimeout,
        };
    }

    /// <summary>error-burst stops by itself; by default it may use its whole 2-minute window.</summary>
    private static TimeSpan DefaultDuration(ScenarioName scenario) =>
        scenario == ScenarioName.ErrorBurst ? ErrorBurstScenario.Window : LoadOptions.DefaultDuration;

    /// <summary>Checks that involve more than one option; returns what is wrong, naming the option, or null.</summary>
    internal static string? Validate(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Scenario != ScenarioName.ErrorBurst || options.Rps is not { } rps)
        {
            return null;
        }

        // The alarm counts errors within 2 minutes: a slower burst would never trip it.
        var minimumRps = ErrorBurstScenario.Size / ErrorBurstScenario.Window.TotalSeconds;
        return rps >= minimumRps
            ? null
            : string.Create(
                CultureInfo.InvariantCulture,
                $"--rps: error-burst must send its {ErrorBurstScenario.Size} errors within {Durations.Format(ErrorBurstScenario.Window)} to trip the alarm; use --rps {Math.Ceiling(minimumRps * 1000) / 1000:0.###} or more (got {rps:0.###}).");
    }

    private static Uri? ParseUrl(ArgumentResult result)
    {
        var text = SingleToken(result);
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment))
        {
            return uri;
        }

        result.AddError($"--url: '{text}' is not an absolute http:// or https:// address without query (e.g. http://localhost:8080).");
        return null;
    }

    private static ScenarioName? ParseScenario(ArgumentResult result)
    {
        var text = SingleToken(result);
        if (ScenarioNames.TryParse(text, out var scenario))
        {
            return scenario;
        }

        result.AddError($"--scenario: '{text}' is not a scenario; use one of {string.Join(", ", ScenarioNames.All)}.");
        return null;
    }

    private static TimeSpan? ParsePositiveDuration(ArgumentResult result, string option)
    {
        var text = SingleToken(result);
        if (Durations.TryParse(text, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        result.AddError($"{option}: '{text}' is not a positive duration; use e.g. 30s, 2m, 1h, 1m30s or 500ms.");
        return null;
    }

    private static double? ParseRps(ArgumentResult result)
    {
        var text = SingleToken(result);
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rps) && rps > 0 && rps <= 1_000_000)
        {
            return rps;
        }

        result.AddError($"--rps: '{text}' is not a rate; use a number of requests per second greater than 0 and at most 1000000.");
        return null;
    }

    private static int? ParseConcurrency(ArgumentResult result)
    {
        var text = SingleToken(result);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 10_000)
        {
            return n;
        }

        result.AddError($"--concurrency: '{text}' is not a concurrency; use a whole number from 1 to 10000.");
        return null;
    }

    private static double? ParseFraction(ArgumentResult result)
    {
        var text = SingleToken(result);
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var fraction) && fraction is >= 0 and <= 1)
        {
            return fraction;
        }

        result.AddError($"--max-error-rate: '{text}' is not a fraction; use a number from 0 to 1 (0.05 allows 5% unexpected outcomes).");
        return null;
    }

    private static string? ParseJsonPath(ArgumentResult result)
    {
        var text = SingleToken(result);
        var directory = string.IsNullOrWhiteSpace(text) ? null : Path.GetDirectoryName(Path.GetFullPath(text));
        if (directory is not null && Directory.Exists(directory) && !Directory.Exists(text))
        {
            return text;
        }

        result.AddError($"--json: '{text}' is not a file path in an existing directory.");
        return null;
    }

    private static string SingleToken(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
}
