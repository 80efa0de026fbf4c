using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Pulse.Testing;

namespace Pulse.Stack.Tests.Containers;

/// <summary>
/// <c>docker-compose up</c> of the repository's compose.yaml with Grafana and Jaeger left out by compose.without-grafana.yaml,
/// as a project of its own (unique name, its own networks and volumes, free loopback ports), running the service
/// image under test. Everything the engine does with the project is recorded from <c>docker events</c>.
/// Disposal takes the project down with its volumes, whatever the tests did.
/// </summary>
public sealed class ComposeProject : IAsyncLifetime
{
    public const string OverrideFile = "compose.without-grafana.yaml";

    private readonly ConcurrentQueue<JsonElement> _events = new();
    private string? _directory;
    private string? _prometheusDirectory;
    private Process? _eventStream;

    public string Project { get; } = ContainerEngine.UniqueName("stack");

    public int ServicePort { get; } = FreePort.Next();

    public int PrometheusPort { get; } = FreePort.Next();

    public HttpClient Service { get; private set; } = new();

    public HttpClient Prometheus { get; private set; } = new();

    /// <summary>What <c>up</c> printed, for failure messages.</summary>
    public ProcessResult? Up { get; private set; }

    /// <summary>The engine's events about the project's containers, networks and volumes, oldest first.</summary>
    public IReadOnlyList<JsonElement> Events => [.. _events];

    private string[] Arguments =>
    [
        "-p", Project, "--project-directory", Repository.Root, "--env-file", Path.Combine(_directory!, "stack.env"),
        "-f", Repository.PathOf("compose.yaml"), "-f", Repository.PathOf(OverrideFile), "-f", Path.Combine(_directory!, "stand-in-prometheus.yaml"),
    ];

    public async Task InitializeAsync()
    {
        if (ContainerEngine.SkipReason is not null)
        {
            return;
        }

        Service = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ServicePort}/"), Timeout = TimeSpan.FromSeconds(15) };
        Prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{PrometheusPort}/"), Timeout = TimeSpan.FromSeconds(15) };
        _directory = Directory.CreateTempSubdirectory("pulse-compose-").FullName;
        // In place of .env (a developer's own is never read): the two passwords, the image under test, free ports.
        await File.WriteAllLinesAsync(Path.Combine(_directory, "stack.env"),
        [
            $"POSTGRES_PASSWORD={ContainerEngine.NewPassword()}",
            $"GRAFANA_ADMIN_PASSWORD={ContainerEngine.NewPassword()}",
            $"PULSE_IMAGE={ContainerEngine.Image}",
            $"PULSE_PORT={ServicePort}",
            $"PROMETHEUS_PORT={PrometheusPort}",
        ]);

        await WriteStandInPrometheusAsync();

        try
        {
            StartEventStream();
            Up = await ContainerEngine.ComposeAsync([.. Arguments, "up", "--detach", "--no-build"], TimeSpan.FromMinutes(5));
            if (Up.ExitCode != 0)
            {
                throw new InvalidOperationException($"docker-compose up failed: {Up}");
            }
        }
        catch
        {
            // Whatever did start goes at once; disposing twice is harmless.
            await DisposeAsync();
            throw;
        }
    }

    public Task<ProcessResult> ComposeAsync(params string[] command) => ContainerEngine.ComposeAsync([.. Arguments, .. command], TimeSpan.FromMinutes(3));

    /// <summary>The id of a service's container.</summary>
    public async Task<string> ContainerAsync(string service)
    {
        var ps = await ComposeAsync("ps", "-q", service);
        return ps.ExitCode == 0 && ps.StandardOutput.Trim() is { Length: > 0 } id
            ? id
            : throw new InvalidOperationException($"No container for {service}: {ps}");
    }

    /// <summary>Takes the project down with its volumes (<c>down -v</c>).</summary>
    public Task<ProcessResult> DownAsync() => ComposeAsync("down", "--volumes", "--remove-orphans", "--timeout", "10");

    public async Task DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        await DownAsync();
        if (_eventStream is { } events)
        {
            _eventStream = null;
            events.Kill();
            await events.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            events.Dispose();
        }

        Service.Dispose();
        Prometheus.Dispose();
        Directory.Delete(_directory, recursive: true);
        _directory = null;
        if (_prometheusDirectory is not null)
        {
            Directory.Delete(_prometheusDirectory, recursive: true);
            _prometheusDirectory = null;
        }
    }

    /// <summary>
    /// The stand-in for compose's Prometheus image is Debian's 2.42 (deploy/test-images/prometheus), which predates
    /// <c>scrape_classic_histograms</c> (2.45) and would drop the classic buckets of a native histogram: it runs the
    /// configuration and flags scripts/local-stack.sh gives that version (exemplar storage only, the setting left
    /// out), mounted over the repository's through an override. Everything else is compose.yaml's.
    /// </summary>
    private async Task WriteStandInPrometheusAsync()
    {
        _prometheusDirectory = Directory.CreateTempSubdirectory("pulse-compose-prometheus-").FullName;
        var rules = Directory.CreateDirectory(Path.Combine(_prometheusDirectory, "rules")).FullName;
        foreach (var file in PrometheusRulesTests.RuleFiles())
        {
            File.Copy(file, Path.Combine(rules, Path.GetFileName(file)));
        }

        await File.WriteAllTextAsync(
            Path.Combine(_prometheusDirectory, "prometheus.yml"), LoopbackStackFixture.FitToDebianPrometheus(Repository.Read("deploy/prometheus/prometheus.yml")));

        // The image runs as nobody: the directory and its files must be readable by anyone (containers run on Linux).
        if (!OperatingSystem.IsWindows())
        {
            foreach (var directory in new[] { _prometheusDirectory, rules })
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            foreach (var file in Directory.GetFiles(_prometheusDirectory, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
        }

        var command = Yaml.Load("compose.yaml").Get("services")!.Get("prometheus")!.Strings("command")
            .Select(argument => argument.StartsWith("--enable-feature=", StringComparison.Ordinal) ? "--enable-feature=exemplar-storage" : argument);
        await File.WriteAllTextAsync(Path.Combine(_directory!, "stand-in-prometheus.yaml"), $"""
            services:
              prometheus:
                command: [{string.Join(", ", command.Select(a => $"\"{a}\""))}]
                volumes:
                  - "{_prometheusDirectory}:/etc/prometheus:ro"
            """);
    }

    private void StartEventStream()
    {
        var start = new ProcessStartInfo(ExternalTools.Find("docker") ?? "docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "events", "--filter", $"label=com.docker.compose.project={Project}", "--format", "{{json .}}" })
        {
            start.ArgumentList.Add(argument);
        }

        _eventStream = Process.Start(start) ?? throw new InvalidOperationException("Could not start docker events.");
        _eventStream.OutputDataReceived += (_, line) =>
        {
            if (!string.IsNullOrWhiteSpace(line.Data))
            {
                _events.Enqueue(JsonDocument.Parse(line.Data).RootElement.Clone());
            }
        };
        _eventStream.ErrorDataReceived += (_, _) => { };
        _eventStream.BeginOutputReadLine();
        _eventStream.BeginErrorReadLine();
    }
}
