using System.Globalization;
using System.Text.Json;
using Pulse.LoadGen.Cli;
using Pulse.LoadGen.Engine;
using Pulse.LoadGen.Output;
using Pulse.Testing;

namespace Pulse.LoadGen.Tests;

/// <summary>Runs the load generator in this process, through the same entry as the command line, with output captured.</summary>
internal static class LoadGen
{
    /// <summary>No run in these tests may take longer than this.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(90);

    public static Task<LoadGenResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        return RunAsync(new RunControl(), output, TextWriter.Synchronized(output), args);
    }

    /// <summary>Runs with stdout going to <paramref name="output"/> through <paramref name="synchronizedOutput"/>.</summary>
    private static async Task<LoadGenResult> RunAsync(RunControl control, StringWriter output, TextWriter synchronizedOutput, params string[] args)
    {
        var error = new StringWriter();
        var console = CliConsole.Plain(synchronizedOutput, TextWriter.Synchronized(error), progressInterval: ProgressInterval);
        var exitCode = await LoadGenCli.RunAsync(args, console, control).WaitAsync(TimeLimit);
        return new LoadGenResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Starts a run in the background, waits until its progress lines report at least <paramref name="sent"/>
    /// requests sent, presses Ctrl+C once and returns the run's result. If the wait fails the run is
    /// aborted, so it cannot outlive the test.
    /// </summary>
    public static async Task<LoadGenResult> InterruptAsync(int sent, params string[] args)
    {
        using var control = new RunControl();
        var output = new StringWriter();
        var synchronizedOutput = TextWriter.Synchronized(output);
        var run = RunAsync(control, output, synchronizedOutput, args);
        try
        {
            await Wait.UntilAsync(() => LastSent(output, synchronizedOutput) >= sent, TimeSpan.FromSeconds(30), $"the run to report {sent} requests sent", ProgressInterval);
        }
        catch
        {
            control.Abort();
            await run;
            throw;
        }

        Assert.True(control.Interrupt());
        return await run;
    }

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The "sent N" of the last plain progress line, or 0.</summary>
    private static long LastSent(StringWriter output, TextWriter synchronizedOutput)
    {
        string text;
        // TextWriter.Synchronized's writer locks itself for every write: take the same lock to read.
        lock (synchronizedOutput)
        {
            text = output.ToString();
        }

        var at = text.LastIndexOf("] sent ", StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }

        var digits = text[(at + 7)..].TakeWhile(char.IsAsciiDigit).ToArray();
        return long.Parse(digits, CultureInfo.InvariantCulture);
    }

    /// <summary>A fresh path for <c>--json</c>.</summary>
    public static string TempJsonPath() => Path.Combine(Path.GetTempPath(), $"pulse-loadgen-{Guid.NewGuid():N}.json");

    public static JsonElement ReadSummary(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>"METHOD endpoint" of every endpoint in a summary, in its order.</summary>
    public static List<string> Endpoints(JsonElement summary) =>
        [.. summary.GetProperty("endpoints").EnumerateArray().Select(e => $"{e.GetProperty("method").GetString()} {e.GetProperty("endpoint").GetString()}")];

    /// <summary>The request count of one endpoint in a summary.</summary>
    public static long Count(JsonElement summary, string method, string route) =>
        summary.GetProperty("endpoints").EnumerateArray()
            .Single(e => e.GetProperty("method").GetString() == method && e.GetProperty("endpoint").GetString() == route)
            .GetProperty("count").GetInt64();
}

internal sealed record LoadGenResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
