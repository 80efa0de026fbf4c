using System.Net;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Pulse.Stack.Tests.Containers;

/// <summary>
/// The service image on PostgreSQL, configured exactly as compose.yaml configures it: the discrete
/// <c>Database__Postgres__*</c> settings ECS fills from the RDS secret, against the postgres image compose runs.
/// </summary>
[Collection(ContainerChecks.Name)]
[Trait("Category", ContainerEngine.Category)]
public sealed class PostgresContainerTests
{
    private static readonly YamlMappingNode Compose = Yaml.Load("compose.yaml");

    private static YamlNode Service(string name) => Compose.Get("services")!.Get(name)!;

    /// <summary>A service's environment from compose.yaml, with <c>${VARIABLE...}</c> values taken from <paramref name="variables"/>.</summary>
    private static List<string> Environment(string service, Dictionary<string, string> variables) =>
    [
        .. ((YamlMappingNode)Service(service).Get("environment")!).Children.Select(pair =>
        {
            var value = ((YamlScalarNode)pair.Value).Value!;
            if (value.StartsWith("${", StringComparison.Ordinal))
            {
                value = variables[value[2..].Split(':', '}')[0]];
            }

            return $"{pair.Key}={value}";
        }),
    ];

    [ContainerFact]
    public async Task TheServiceKeepsItsDataInPostgresThroughTheDiscreteSettingsComposeAndEcsUse()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["POSTGRES_PASSWORD"] = ContainerEngine.NewPassword() };
        var network = ContainerEngine.UniqueName("net");
        var database = ContainerEngine.UniqueName("postgres");
        var apiEnvironment = Environment("pulse-api", variables);
        Assert.Contains("Database__Provider=Postgres", apiEnvironment);
        Assert.Contains("Database__Postgres__Host=postgres", apiEnvironment);

        await ContainerEngine.CheckedAsync(["network", "create", network]);
        try
        {
            // The compose service name is the host name the service is configured with.
            await ContainerEngine.CheckedAsync(
            [
                "run", "-d", "--name", database, "--network", network, "--network-alias", "postgres",
                .. Environment("postgres", variables).SelectMany(e => new[] { "-e", e }),
                Service("postgres").Text("image")!,
            ]);
            string[] ready = [.. Service("postgres").Get("healthcheck")!.Strings("test").Skip(1)];
            await Pulse.Testing.Wait.UntilAsync(
                async () => (await ContainerEngine.DockerAsync(["exec", database, .. ready])).ExitCode == 0,
                TimeSpan.FromSeconds(90), "PostgreSQL to pass compose's health check", TimeSpan.FromMilliseconds(500));

            await using var api = await ServiceContainer.StartAsync([.. ServiceContainer.Hardened, "--network", network, .. apiEnvironment.SelectMany(e => new[] { "-e", e })]);
            await api.WaitUntilReadyAsync();

            using var ready200 = await api.Client.GetAsync("health/ready");
            var report = await ready200.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(report.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "database" && c.GetProperty("status").GetString() == "Healthy");

            using var product = await api.Client.PostAsJsonAsync("products", new { name = "Postgres kettle", price = 39.9m, amount = 4 });
            Assert.Equal(HttpStatusCode.Created, product.StatusCode);
            using var task = await api.Client.PostAsJsonAsync("tasks", new { title = "Descale the kettle", status = "todo" });
            Assert.Equal(HttpStatusCode.Created, task.StatusCode);
            var id = (await product.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
            var read = await api.Client.GetFromJsonAsync<JsonElement>($"products/{id}");
            Assert.Equal("Postgres kettle", read.GetProperty("name").GetString());

            // The rows are in PostgreSQL, not anywhere else.
            var postgres = Service("postgres").Get("environment")!;
            var rows = await ContainerEngine.CheckedAsync(
                ["exec", database, "psql", "-U", postgres.Text("POSTGRES_USER")!, "-d", postgres.Text("POSTGRES_DB")!, "-tAc", "SELECT (SELECT string_agg(name, ',') FROM products) || '|' || (SELECT string_agg(title, ',') FROM tasks)"]);
            Assert.Equal("Postgres kettle|Descale the kettle", rows);
            var sqlite = await api.ExecAsync("test", "-e", "/tmp/pulse.db");
            Assert.True(sqlite.ExitCode != 0, "The service wrote a SQLite database although it is configured for PostgreSQL.");
        }
        finally
        {
            await ContainerEngine.DockerAsync(["rm", "-f", "-v", database]);
            await ContainerEngine.DockerAsync(["network", "rm", network]);
        }
    }
}
