using System.Globalization;
using System.Net;
using Pulse.Testing;

namespace Pulse.Stack.Tests.Containers;

/// <summary>
/// One container of the service image under test, with a unique name and its port published on a free loopback
/// port; removed (with its anonymous volumes) on disposal, whatever the test did.
/// </summary>
internal sealed class ServiceContainer : IAsyncDisposable
{
    /// <summary>How the image runs in compose and on ECS: read-only root, a tmpfs for /tmp, no capabilities, no privilege gain.</summary>
    public static readonly string[] Hardened = ["--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private ServiceContainer(string name, int hostPort)
    {
        Name = name;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hostPort}/"), Timeout = TimeSpan.FromSeconds(15) };
        HostPort = hostPort;
    }

    public string Name { get; }

    /// <summary>The loopback port the container's service port is published on.</summary>
    public int HostPort { get; }

    /// <summary>Requests to the service through the published port.</summary>
    public HttpClient Client { get; }

    /// <summary>
    /// <c>docker run -d</c> of the image under test with <paramref name="options"/>, publishing
    /// <paramref name="containerPort"/> on a loopback port the engine picks.
    /// </summary>
    public static async Task<ServiceContainer> StartAsync(IEnumerable<string> options, int containerPort = 8080, IEnumerable<string>? arguments = null)
    {
        var name = ContainerEngine.UniqueName("api");
        try
        {
            await ContainerEngine.CheckedAsync(
                ["run", "-d", "--name", name, "-p", $"127.0.0.1::{containerPort}", .. options, ContainerEngine.Image, .. arguments ?? []]);
            var binding = await ContainerEngine.CheckedAsync(["port", name, $"{containerPort}/tcp"]);
            var first = binding.Split('\n')[0].Trim();
            return new ServiceContainer(name, int.Parse(first[(first.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        }
        catch
        {
            await ContainerEngine.DockerAsync(["rm", "-f", "-v", name]);
            throw;
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails at once, with the container's output, if it exits.</summary>
    public async Task WaitUntilReadyAsync()
    {
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    if (await InspectAsync("{{.State.Running}}") != "true")
                    {
                        throw new TimeoutException("The container is not running.");
                    }

                    using var response = await Client.GetAsync("health/ready");
                    return response.StatusCode == HttpStatusCode.OK;
                },
                StartTimeout,
                $"{Name} to answer /health/ready with 200",
                TimeSpan.FromMilliseconds(250));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{await DescribeAsync()}", ex);
        }
    }

    /// <summary>Waits until Docker's own health status of the container is <paramref name="status"/>.</summary>
    public async Task WaitForHealthAsync(string status, TimeSpan timeout)
    {
        try
        {
            await Wait.UntilAsync(async () => await InspectAsync("{{.State.Health.Status}}") == status, timeout, $"Docker to report {Name} {status}", TimeSpan.FromMilliseconds(500));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nhealth: {await InspectAsync("{{json .State.Health}}")}\n{await DescribeAsync()}", ex);
        }
    }

    public Task<string> InspectAsync(string format) => ContainerEngine.CheckedAsync(["inspect", "--format", format, Name]);

    /// <summary><c>docker exec</c> in the container, as the image's user, with extra <c>-e</c> options first.</summary>
    public Task<ProcessResult> ExecAsync(IEnumerable<string> options, params string[] command) =>
        ContainerEngine.DockerAsync(["exec", .. options, Name, .. command], TimeSpan.FromSeconds(60));

    public Task<ProcessResult> ExecAsync(params string[] command) => ExecAsync([], command);

    /// <summary>What the container wrote: its stdout and stderr as Docker keeps them apart.</summary>
    public Task<ProcessResult> LogsAsync() => ContainerEngine.DockerAsync(["logs", Name]);

    /// <summary>The container's state and the end of its output, for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        var state = await ContainerEngine.DockerAsync(["inspect", "--format", "{{json .State}}", Name]);
        var logs = await ContainerEngine.DockerAsync(["logs", "--tail", "40", Name]);
        return $"{Name} state: {state.StandardOutput.Trim()}\nlast output:\n{logs.StandardOutput}{logs.StandardError}";
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await ContainerEngine.DockerAsync(["rm", "-f", "-v", Name]);
    }
}
