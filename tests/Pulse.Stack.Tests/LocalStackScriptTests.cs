using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Stack.Tests;

/// <summary>scripts/local-stack.sh: the stack without Docker, from local binaries on loopback.</summary>
public sealed partial class LocalStackScriptTests
{
    private const string Script = "scripts/local-stack.sh";

    [RequiresToolsFact("shellcheck")]
    public async Task TheScriptIsShellcheckClean()
    {
        var result = await ProcessRunner.RunAsync(ExternalTools.Require("shellcheck"), [Script], timeout: TimeSpan.FromSeconds(60), workingDirectory: Repository.Root);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [RequiresToolsFact("prometheus", "prometheus-node-exporter")]
    public async Task UpStartsTheServiceNodeExporterAndPrometheusWithTheRepositorysRulesAndDownStopsExactlyThose()
    {
        var state = Directory.CreateTempSubdirectory("pulse-local-stack-");
        // PostgreSQL (when installed) runs as the postgres user when the tests run as root: it must reach its directory.
        if (!OperatingSystem.IsWindows())
        {
            state.UnixFileMode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }
        var ports = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["PULSE_PORT"] = FreePort.Next(),
            ["PROMETHEUS_PORT"] = FreePort.Next(),
            ["NODE_EXPORTER_PORT"] = FreePort.Next(),
            ["POSTGRES_PORT"] = FreePort.Next(),
        };
        string[] environment =
        [
            $"LOCAL_STACK_DIR={state.FullName}",
            // The test's own build of the service instead of a Release publish (that is ContainerImageTests' job).
            $"PULSE_API_DLL={Path.Combine(AppContext.BaseDirectory, "Pulse.Api.dll")}",
            .. ports.Select(p => $"{p.Key}={p.Value}"),
        ];
        Task<ProcessResult> RunAsync(string verb, params string[] overrides) =>
            ProcessRunner.RunAsync("env", [.. environment, .. overrides, "bash", Repository.PathOf(Script), verb], timeout: TimeSpan.FromMinutes(2), workingDirectory: Repository.Root);

        using var bystander = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        try
        {
            var up = await RunAsync("up");
            Assert.True(up.ExitCode == 0, up.ToString());

            // Status describes the stack `up` started, whatever ports the environment asks for now.
            var status = await RunAsync("status", [.. ports.Keys.Select(setting => $"{setting}={FreePort.Next()}")]);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Contains("pulse-api      running", status.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"http://127.0.0.1:{ports["PULSE_PORT"]}", status.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"http://127.0.0.1:{ports["PROMETHEUS_PORT"]} ", status.StandardOutput, StringComparison.Ordinal);

            // Every address up and status print opens.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var printed = Addresses().Matches(up.StandardOutput + status.StandardOutput).Select(m => m.Value.TrimEnd(',', ')', '.')).Distinct().ToList();
            Assert.Contains($"http://127.0.0.1:{ports["PROMETHEUS_PORT"]}/classic/alerts", printed);
            foreach (var address in printed)
            {
                using var response = await http.GetAsync(address);
                Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"{address} answers {(int)response.StatusCode}");
            }

            // Prometheus scrapes both loopback targets and loads every rule of the repository's rule files.
            using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["PROMETHEUS_PORT"]}/"), Timeout = TimeSpan.FromSeconds(10) };
            await Wait.UntilAsync(
                async () =>
                {
                    var targets = (await prometheus.GetFromJsonAsync<JsonElement>("api/v1/targets")).GetProperty("data").GetProperty("activeTargets");
                    return targets.GetArrayLength() == 2 && targets.EnumerateArray().All(t => t.GetProperty("health").GetString() == "up");
                },
                TimeSpan.FromSeconds(60),
                "Prometheus to scrape the service and node exporter (15 s interval)",
                TimeSpan.FromMilliseconds(500));
            var rules = (await prometheus.GetFromJsonAsync<JsonElement>("api/v1/rules")).GetProperty("data").GetProperty("groups")
                .EnumerateArray().Sum(g => g.GetProperty("rules").GetArrayLength());
            Assert.Equal(PrometheusRulesTests.Rules().Count(), rules);

            var down = await RunAsync("down");
            Assert.True(down.ExitCode == 0, down.ToString());
            foreach (var (setting, port) in ports)
            {
                Assert.False(await IsListeningAsync(port), $"{setting} {port} still answers after down:\n{down}");
            }

            var after = await RunAsync("status");
            Assert.Equal(3, after.ExitCode);
            Assert.DoesNotContain("running", after.StandardOutput, StringComparison.Ordinal);

            // A pid file that names a process the script did not start (here: a recycled pid) is not obeyed.
            var run = Path.Combine(state.FullName, "run");
            await File.WriteAllTextAsync(Path.Combine(run, "prometheus.pid"), bystander.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await File.WriteAllTextAsync(Path.Combine(run, "prometheus.marker"), $"--storage.tsdb.path={state.FullName}/prometheus-data");
            var again = await RunAsync("down");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.False(bystander.HasExited, "down signalled a process it did not start");
        }
        finally
        {
            await RunAsync("down");
            bystander.Kill();
            state.Delete(recursive: true);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"http://127\.0\.0\.1:\d+[^\s,)]*")]
    private static partial System.Text.RegularExpressions.Regex Addresses();

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
