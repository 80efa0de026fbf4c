using System.Diagnostics;
using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>
/// Debian's <c>prometheus-node-exporter</c> on a free loopback port, with only the collectors the Runtime
/// dashboard reads (cpu, meminfo): the others cost scrape time and show nothing the tests look at.
/// </summary>
internal sealed class NodeExporter : IAsyncDisposable
{
    private readonly Process _process;

    private NodeExporter(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<NodeExporter> StartAsync()
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo(ExternalTools.Require("prometheus-node-exporter"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { $"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus-node-exporter.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exporter = new NodeExporter(process, port);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Wait.UntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        Assert.Fail($"prometheus-node-exporter exited with code {process.ExitCode}.");
                    }

                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                    return response.IsSuccessStatusCode;
                },
                TimeSpan.FromSeconds(20),
                "node exporter to serve /metrics");
        }
        catch
        {
            await exporter.DisposeAsync();
            throw;
        }

        return exporter;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(exit.Token);
        }

        _process.Dispose();
    }
}
