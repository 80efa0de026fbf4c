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

    public static Task<LoadGenResult> RunAsync(params string[] args) => RunAsync(new RunControl(), args);

    public static async Task<LoadGenResult> RunAsync(RunControl control, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = CliConsole.Plain(TextWriter.Synchronized(output), TextWriter.Synchronized(error), progressInterval: TimeSpan.FromMilliseconds(200));
        var exitCode = await LoadGenCli.RunAsync(args, console, control).WaitAsync(TimeLimit);
        return new LoadGenResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Starts a run in the background, waits until <paramref name="started"/> holds, presses Ctrl+C once and
    /// returns the run's result. If the wait fails the run is aborted, so it cannot outlive the test.
    /// </summary>
    public static async Task<LoadGenResult> InterruptAsync(Func<Task<bool>> started, string what, params string[] args)
    {
        using var control = new RunControl();
        var run = RunAsync(control, args);
        try
        {
            await Wait.UntilAsync(started, TimeSpan.FromSeconds(30), what);
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
}

internal sealed record LoadGenResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
