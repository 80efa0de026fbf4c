using Pulse.Testing;

namespace Pulse.LoadGen.Tests;

public sealed class CommandLineTests
{
    /// <summary>Nothing listens here, so a run that got past argument checking would end with exit code 3, not 2.</summary>
    private static readonly string DeadUrl = $"http://127.0.0.1:{FreePort.Next()}";

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["--rps", "abc"], "--rps" },
        { ["--rps", "0"], "--rps" },
        { ["--rps"], "--rps" },
        { ["--duration", "forever"], "--duration" },
        { ["--duration", "0s"], "--duration" },
        { ["--scenario", "nope"], "--scenario" },
        { ["--concurrency", "0"], "--concurrency" },
        { ["--concurrency", "many"], "--concurrency" },
        { ["--max-error-rate", "1.5"], "--max-error-rate" },
        { ["--timeout", "0s"], "--timeout" },
        { ["--url", "not a url"], "--url" },
        { ["--url", "ftp://example.com"], "--url" },
        { ["--json", "/no/such/directory/summary.json"], "--json" },
        { ["--frobnicate"], "--frobnicate" },
        { ["--scenario", "error-burst", "--rps", "0.05"], "--rps" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task ABadArgumentExitsWithCode2AndAMessageNamingIt(string[] arguments, string named)
    {
        var result = await LoadGen.RunAsync(arguments.Contains("--url") ? arguments : ["--url", DeadUrl, .. arguments]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var firstLine = result.Error.Split('\n')[0];
        Assert.StartsWith("error: ", firstLine, StringComparison.Ordinal);
        Assert.Contains(named, firstLine, StringComparison.Ordinal);
        Assert.DoesNotContain("Summary", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableTargetExitsWithCode3BeforeSendingAnything()
    {
        var result = await LoadGen.RunAsync("--url", DeadUrl, "--duration", "5s");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"the target {DeadUrl}/ is unreachable", result.Error, StringComparison.Ordinal);
        Assert.Contains("/health/live", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Summary", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpListsEveryOptionAndExitsWithCode0()
    {
        var result = await LoadGen.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var option in new[] { "--url", "--scenario", "--duration", "--rps", "--concurrency", "--json", "--max-error-rate", "--timeout" })
        {
            Assert.Contains(option, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheProgramItselfReturnsTheDocumentedExitCodes()
    {
        // The real executable, not the in-process entry: what scripts and CI see.
        var program = Path.Combine(AppContext.BaseDirectory, "Pulse.LoadGen.dll");
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";

        var bad = await ProcessRunner.RunAsync(dotnet, [program, "--url", DeadUrl, "--rps", "fast"], timeout: TimeSpan.FromSeconds(60));
        var unreachable = await ProcessRunner.RunAsync(dotnet, [program, "--url", DeadUrl], timeout: TimeSpan.FromSeconds(60));

        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--rps: 'fast' is not a rate", bad.StandardError, StringComparison.Ordinal);
        Assert.True(unreachable.ExitCode == 3, unreachable.ToString());
        Assert.Contains("is unreachable", unreachable.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("1m30s", 90)]
    [InlineData("250ms", 0.25)]
    [InlineData("1.5s", 1.5)]
    [InlineData("45", 45)]
    public void DurationsAreReadAsPeopleTypeThem(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("10x")]
    [InlineData("ten seconds")]
    [InlineData("-5s")]
    [InlineData("1m30")]
    public void MalformedDurationsAreRejected(string text) => Assert.False(Durations.TryParse(text, out _));
}
