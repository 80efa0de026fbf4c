using System.Globalization;
using System.Text.RegularExpressions;
using Pulse.Testing;
using YamlDotNet.RepresentationModel;

namespace Pulse.Stack.Tests;

/// <summary>compose.yaml at the repository root: `docker compose up --build` brings up the whole local stack.</summary>
public sealed partial class ComposeTests
{
    private static readonly YamlMappingNode Compose = Yaml.Load("compose.yaml");

    private static YamlNode Service(string name) => Compose.Get("services")?.Get(name) ?? throw new InvalidOperationException($"No service {name}.");

    private static string? Environment(string service, string key) => Service(service).Get("environment")?.Text(key);

    [Fact]
    public void TheStackIsTheServicePostgresPrometheusGrafanaNodeExporterAndJaeger()
    {
        var services = ((YamlMappingNode)Compose.Get("services")!).Children.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal);

        Assert.Equal(["grafana", "jaeger", "node-exporter", "postgres", "prometheus", "pulse-api"], services);
    }

    [Fact]
    public void TheServiceSendsOnlyItsSpansToJaegerOverOtlpHttpByItsComposeName()
    {
        var jaeger = Service("jaeger");

        Assert.Equal("http://jaeger:4318/v1/traces", Environment("pulse-api", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        Assert.Null(Environment("pulse-api", "OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Null(Environment("pulse-api", "Telemetry__Otlp__Endpoint"));
        Assert.Matches(@"^jaegertracing/all-in-one:[0-9]+\.[0-9]+\.[0-9]+$", jaeger.Text("image"));
        Assert.Equal("true", Environment("jaeger", "COLLECTOR_OTLP_ENABLED"));
        Assert.Matches("^[0-9]+$", Environment("jaeger", "MEMORY_MAX_TRACES"));
        Assert.Equal(["127.0.0.1:${JAEGER_PORT:-16686}:16686", "127.0.0.1:${JAEGER_OTLP_PORT:-4318}:4318"], jaeger.Strings("ports"));
        Assert.Null(Service("pulse-api").Get("depends_on")?.Get("jaeger"));
    }

    [Fact]
    public void TheServiceIsBuiltFromTheRootDockerfileAndRunsReadOnlyWithATmpfsForTmp()
    {
        var api = Service("pulse-api");

        Assert.Equal(".", api.Get("build")?.Text("context"));
        Assert.Equal("Dockerfile", api.Get("build")?.Text("dockerfile"));
        Assert.Equal("true", api.Text("read_only"));
        Assert.Equal(["/tmp"], api.Strings("tmpfs"));
        Assert.Equal(["ALL"], api.Strings("cap_drop"));
        Assert.Contains("127.0.0.1:${PULSE_PORT:-8080}:8080", api.Strings("ports"));
        Assert.Equal("${PULSE_IMAGE:-pulse-api:local}", api.Text("image"));
    }

    [Fact]
    public void TheOverrideOnlyGivesGrafanaAndJaegerAProfile()
    {
        var services = (YamlMappingNode)Yaml.Load(Containers.ComposeProject.OverrideFile).Get("services")!;

        Assert.Equal(["grafana", "jaeger"], services.Children.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal));
        foreach (var name in new[] { "grafana", "jaeger" })
        {
            var service = (YamlMappingNode)services.Children[new YamlScalarNode(name)];
            Assert.Equal(["profiles"], service.Children.Keys.Select(k => k.ToString()));
            Assert.Equal([name], service.Strings("profiles"));
        }
    }

    [Fact]
    public void TheServiceUsesPostgresThroughTheDiscreteSettingsAndStartsOnceItIsHealthy()
    {
        Assert.Equal("Postgres", Environment("pulse-api", "Database__Provider"));
        Assert.Equal("postgres", Environment("pulse-api", "Database__Postgres__Host"));
        Assert.Equal("5432", Environment("pulse-api", "Database__Postgres__Port"));
        Assert.Equal(Environment("postgres", "POSTGRES_USER"), Environment("pulse-api", "Database__Postgres__Username"));
        Assert.Equal(Environment("postgres", "POSTGRES_DB"), Environment("pulse-api", "Database__Postgres__Dbname"));
        Assert.Equal(Environment("postgres", "POSTGRES_PASSWORD"), Environment("pulse-api", "Database__Postgres__Password"));
        Assert.Equal("service_healthy", Service("pulse-api").Get("depends_on")?.Get("postgres")?.Text("condition"));
    }

    [Fact]
    public void PostgresIsVersion16HealthCheckedWithPgIsreadyAndKeepsItsDataInANamedVolume()
    {
        var postgres = Service("postgres");

        Assert.StartsWith("postgres:16", postgres.Text("image"), StringComparison.Ordinal);
        Assert.Contains("pg_isready", postgres.Get("healthcheck")!.Strings("test"));
        Assert.Equal(["postgres-data:/var/lib/postgresql/data"], postgres.Strings("volumes"));
        Assert.NotNull(Compose.Get("volumes")?.Get("postgres-data"));
    }

    [Fact]
    public void PrometheusRunsTheRepositorysConfigurationAndRulesAndScrapesTheComposeServicesByName()
    {
        var prometheus = Service("prometheus");

        Assert.Contains("./deploy/prometheus:/etc/prometheus:ro", prometheus.Strings("volumes"));
        Assert.Contains("--config.file=/etc/prometheus/prometheus.yml", prometheus.Strings("command"));
        var targets = Yaml.Load("deploy/prometheus/prometheus.yml").Items("scrape_configs")
            .SelectMany(job => job.Items("static_configs")).SelectMany(s => s.Strings("targets"));
        Assert.All(targets, target => Assert.NotNull(Service(target.Split(':')[0])));
    }

    [Fact]
    public void PrometheusStoresExemplarsAndNativeHistogramsAndKeepsTheServicesClassicBuckets()
    {
        var prometheus = Service("prometheus");
        Assert.StartsWith("prom/prometheus:v2.", prometheus.Text("image"), StringComparison.Ordinal);
        Assert.Contains("--enable-feature=exemplar-storage,native-histograms", prometheus.Strings("command"));

        // Prometheus 2.45 to 2.x: the dashboards and SLO rules read http_request_duration_seconds_bucket.
        var job = Yaml.Load("deploy/prometheus/prometheus.yml").Items("scrape_configs").Single(j => j.Text("job_name") == "pulse-api");
        Assert.Equal("true", job.Text("scrape_classic_histograms"));
    }

    [Fact]
    public void GrafanasAdminPasswordAndThePostgresPasswordComeFromDotEnvWithNoDefault()
    {
        var example = Repository.Read(".env.example");

        foreach (var (service, key, variable) in new[]
        {
            ("grafana", "GF_SECURITY_ADMIN_PASSWORD", "GRAFANA_ADMIN_PASSWORD"),
            ("postgres", "POSTGRES_PASSWORD", "POSTGRES_PASSWORD"),
        })
        {
            // ${VAR:?message}: compose stops with the message when the variable is unset or empty.
            Assert.Matches($@"^\$\{{{variable}:\?set {variable} in \.env.*\}}$", Environment(service, key));
            Assert.Matches(new Regex($"^{variable}=$", RegexOptions.Multiline), example);
        }

        Assert.Contains(".env", Repository.Read(".gitignore").Split('\n').Select(l => l.Trim()));
        Assert.False(DockerIgnore.Load().Admits(".env"));
    }

    [Fact]
    public void TheMemoryAlertFiresAtEightyPercentOfTheServicesMemoryLimit()
    {
        var limit = MemoryLimitRegex().Match(Service("pulse-api").Text("mem_limit") ?? string.Empty);
        Assert.True(limit.Success, "pulse-api needs a mem_limit in MiB (e.g. 512m)");

        var alert = PrometheusRulesTests.Rules().Select(r => r.Rule).Single(r => r.Text("alert") == "PulseHighMemory");
        var threshold = AlertThresholdRegex().Match(alert.Text("expr")!);
        Assert.True(threshold.Success, alert.Text("expr"));
        Assert.Equal(limit.Groups[1].Value, threshold.Groups[1].Value);
        Assert.Contains($"{int.Parse(limit.Groups[1].Value, CultureInfo.InvariantCulture)} MiB", alert.Get("annotations")!.Text("description"), StringComparison.Ordinal);
    }

    [RequiresToolsFact("docker-compose")]
    public async Task DockerComposeAcceptsTheFileAndRefusesToStartWithoutThePasswords()
    {
        // An empty env file stands in for .env, so a developer's own .env cannot hide a missing variable.
        var emptyEnv = Path.GetTempFileName();
        try
        {
            string[] config = ["docker-compose", "--project-directory", Repository.Root, "--env-file", emptyEnv, "-f", Repository.PathOf("compose.yaml"), "config", "--quiet"];

            var valid = await ProcessRunner.RunAsync("env", ["GRAFANA_ADMIN_PASSWORD=test-admin", "POSTGRES_PASSWORD=test-db", .. config], timeout: TimeSpan.FromSeconds(60));
            var withoutPasswords = await ProcessRunner.RunAsync("env", ["-u", "GRAFANA_ADMIN_PASSWORD", "-u", "POSTGRES_PASSWORD", .. config], timeout: TimeSpan.FromSeconds(60));

            Assert.True(valid.ExitCode == 0, valid.ToString());
            Assert.NotEqual(0, withoutPasswords.ExitCode);
            Assert.Contains("in .env (see .env.example)", withoutPasswords.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(emptyEnv);
        }
    }

    [RequiresToolsFact("docker-compose")]
    public async Task WithoutOptionalSettingsTheStackUsesPorts8080And9090AndTheLocallyBuiltImage()
    {
        var resolved = await ResolvedConfigAsync("compose.yaml");
        var services = resolved.Get("services")!;

        Assert.Equal("pulse-api:local", services.Get("pulse-api")!.Text("image"));
        Assert.Equal(["127.0.0.1:8080:8080/tcp"], Ports(services.Get("pulse-api")!));
        Assert.Equal(["127.0.0.1:9090:9090/tcp"], Ports(services.Get("prometheus")!));
        Assert.Equal(["127.0.0.1:3000:3000/tcp"], Ports(services.Get("grafana")!));
    }

    /// <summary>A resolved service's ports as HOST_IP:PUBLISHED:TARGET/PROTOCOL, from Compose v1's short form or v2's long form.</summary>
    private static List<string> Ports(YamlNode service) =>
    [
        .. service.Items("ports").Select(port => port is YamlMappingNode mapping
            ? $"{mapping.Text("host_ip")}:{mapping.Text("published")}:{mapping.Text("target")}/{mapping.Text("protocol")}"
            : ((YamlScalarNode)port).Value!),
    ];

    [RequiresToolsFact("docker-compose")]
    public async Task DockerComposeReadsTheOverrideAsGrafanaAndJaegerWithProfilesAndEverythingElseUnchanged()
    {
        var alone = await ResolvedConfigAsync("compose.yaml");
        var both = await ResolvedConfigAsync("compose.yaml", Containers.ComposeProject.OverrideFile);

        foreach (var name in new[] { "grafana", "jaeger" })
        {
            var service = (YamlMappingNode)both.Get("services")!.Get(name)!;
            Assert.Equal([name], service.Strings("profiles"));
            service.Children.Remove(new YamlScalarNode("profiles"));
        }

        Assert.Equal(Canonical(alone), Canonical(both));
    }

    /// <summary>`docker-compose config` of the files, with both passwords set and no .env read.</summary>
    private static async Task<YamlMappingNode> ResolvedConfigAsync(params string[] files)
    {
        var emptyEnv = Path.GetTempFileName();
        try
        {
            var result = await ProcessRunner.RunAsync(
                "env",
                ["-u", "PULSE_PORT", "-u", "PROMETHEUS_PORT", "-u", "GRAFANA_PORT", "-u", "JAEGER_PORT", "-u", "JAEGER_OTLP_PORT", "-u", "PULSE_IMAGE", "GRAFANA_ADMIN_PASSWORD=test-admin", "POSTGRES_PASSWORD=test-db",
                 "docker-compose", "--project-directory", Repository.Root, "--env-file", emptyEnv, .. files.SelectMany(f => new[] { "-f", Repository.PathOf(f) }), "config"],
                timeout: TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, result.ToString());
            var stream = new YamlStream();
            stream.Load(new StringReader(result.StandardOutput));
            return (YamlMappingNode)stream.Documents[0].RootNode;
        }
        finally
        {
            File.Delete(emptyEnv);
        }
    }

    /// <summary>A YAML tree as text with mapping keys and sequence items sorted: compose does not keep their order when it merges files.</summary>
    private static string Canonical(YamlNode node) => node switch
    {
        YamlMappingNode mapping => "{" + string.Join(",", mapping.Children.Select(c => $"{c.Key}:{Canonical(c.Value)}").Order(StringComparer.Ordinal)) + "}",
        YamlSequenceNode sequence => "[" + string.Join(",", sequence.Children.Select(Canonical).Order(StringComparer.Ordinal)) + "]",
        _ => node.ToString(),
    };

    [GeneratedRegex("^([0-9]+)m$")]
    private static partial Regex MemoryLimitRegex();

    [GeneratedRegex(@"^process_resident_memory_bytes\{job=""pulse-api""\} > 0\.8 \* ([0-9]+) \* 1024 \* 1024$")]
    private static partial Regex AlertThresholdRegex();
}
