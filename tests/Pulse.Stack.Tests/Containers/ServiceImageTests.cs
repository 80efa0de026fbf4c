using System.Net;
using System.Text.Json;

namespace Pulse.Stack.Tests.Containers;

/// <summary>The service image as compose and ECS run it: read-only, on a tmpfs, as its non-root user, with SQLite.</summary>
[Collection(ContainerChecks.Name)]
[Trait("Category", ContainerEngine.Category)]
public sealed class ServiceImageTests(HardenedServiceFixture service) : IClassFixture<HardenedServiceFixture>
{
    private ServiceContainer Container => service.Container ?? throw new InvalidOperationException(ContainerEngine.SkipReason);

    [ContainerFact]
    public async Task TheServiceRunsAsUid1654WithoutCapabilitiesOrPrivilegeGainOnAReadOnlyRoot()
    {
        // PID 1 of the container is the service itself (exec-form ENTRYPOINT), as the kernel sees it.
        var status = await Container.ExecAsync("cat", "/proc/1/status");
        Assert.True(status.ExitCode == 0, status.ToString());
        var fields = status.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(f => f[0], f => string.Join(' ', f[1].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)), StringComparer.Ordinal);

        Assert.Equal("dotnet", fields["Name"]);
        Assert.Equal("1654 1654 1654 1654", fields["Uid"]);
        Assert.Equal("1654 1654 1654 1654", fields["Gid"]);
        Assert.Equal("0000000000000000", fields["CapEff"]);
        Assert.Equal("0000000000000000", fields["CapBnd"]);
        Assert.Equal("1", fields["NoNewPrivs"]);
        Assert.Equal("true", await Container.InspectAsync("{{.HostConfig.ReadonlyRootfs}}"));

        // The app user's own home is not writable (the root filesystem is read-only); /tmp is.
        var home = await Container.ExecAsync("sh", "-c", "echo probe > \"$HOME/probe\"");
        Assert.True(home.ExitCode != 0, home.ToString());
        Assert.Contains("Read-only file system", home.StandardError, StringComparison.Ordinal);
        var tmp = await Container.ExecAsync("sh", "-c", "echo probe > /tmp/probe && rm /tmp/probe");
        Assert.True(tmp.ExitCode == 0, tmp.ToString());
    }

    [ContainerFact]
    public async Task TheServiceAnswersItsRootReadinessAndMetricsEndpoints()
    {
        var root = await Container.Client.GetFromJsonAsync<JsonElement>(string.Empty);
        Assert.Equal("Hello, World!", root.GetProperty("message").GetString());

        using var ready = await Container.Client.GetAsync("health/ready");
        var report = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());

        using var metrics = await Container.Client.GetAsync("metrics");
        var exposition = await metrics.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_requests_total counter", exposition, StringComparison.Ordinal);
        Assert.Contains("http_requests_total{method=\"GET\",endpoint=\"/\",status_code=\"200\"}", exposition, StringComparison.Ordinal);
    }

    [ContainerFact]
    public async Task SqliteKeepsTheServicesDataInTheTmpfsOnTmp()
    {
        using var created = await Container.Client.PostAsJsonAsync("products", new { name = "Tmpfs lamp", price = 12.5m, amount = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var read = await Container.Client.GetFromJsonAsync<JsonElement>($"products/{id}");
        Assert.Equal("Tmpfs lamp", read.GetProperty("name").GetString());

        var mounts = await Container.ExecAsync("cat", "/proc/mounts");
        Assert.Contains(mounts.StandardOutput.Split('\n'), line => line.StartsWith("tmpfs /tmp tmpfs ", StringComparison.Ordinal));
        var file = await Container.ExecAsync("sh", "-c", "test -s /tmp/pulse.db && stat -c '%U %s' /tmp/pulse.db");
        Assert.True(file.ExitCode == 0, file.ToString());
        Assert.StartsWith("app ", file.StandardOutput, StringComparison.Ordinal);
    }
}

/// <summary>One hardened container of the image on SQLite, shared by <see cref="ServiceImageTests"/>.</summary>
public sealed class HardenedServiceFixture : IAsyncLifetime
{
    internal ServiceContainer? Container { get; private set; }

    public async Task InitializeAsync()
    {
        if (ContainerEngine.SkipReason is not null)
        {
            return;
        }

        Container = await ServiceContainer.StartAsync(ServiceContainer.Hardened);
        try
        {
            await Container.WaitUntilReadyAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Container is not null)
        {
            await Container.DisposeAsync();
            Container = null;
        }
    }
}
