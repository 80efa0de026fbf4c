namespace Pulse.Infra;

/// <summary>
/// What the infrastructure relies on from the service binary and its image (contracts:
/// port 8080, the <c>healthcheck</c> verb, the Database settings, the management port for <c>/metrics</c>).
/// </summary>
internal static class ServiceContract
{
    /// <summary>The port the service listens on in containers (<c>ASPNETCORE_HTTP_PORTS</c>).</summary>
    public const int HttpPort = 8080;

    /// <summary>
    /// <c>Telemetry:Prometheus:Port</c>: <c>/metrics</c> moves to this port, which then serves nothing else,
    /// so it never appears on <see cref="HttpPort"/> behind the load balancer.
    /// </summary>
    public const int ManagementPort = 9464;

    /// <summary>Liveness endpoint: the process answers.</summary>
    public const string LivenessPath = "/health/live";

    /// <summary>The Prometheus exposition path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Name of the service container in the task definition.</summary>
    public const string ContainerName = "api";

    /// <summary>The non-root user of the .NET images (<c>$APP_UID</c>), stated so ECS enforces it.</summary>
    public const string User = "1654";

    /// <summary>The container health check: the service's own <c>healthcheck</c> verb (no curl in the image).</summary>
    public static IReadOnlyList<string> HealthCheckCommand { get; } = ["CMD", "dotnet", "Pulse.Api.dll", "healthcheck"];

    /// <summary>The database name inside the RDS instance and its secret.</summary>
    public const string DatabaseName = "pulse";

    /// <summary>Environment variables the service reads (configuration keys with <c>__</c> separators).</summary>
    public static class Environment
    {
        public const string HttpPorts = "ASPNETCORE_HTTP_PORTS";
        public const string PrometheusPort = "Telemetry__Prometheus__Port";
        public const string DatabaseProvider = "Database__Provider";
        public const string PostgresProvider = "Postgres";

        /// <summary>Each database setting and the key of the RDS-managed secret's JSON it is read from.</summary>
        public static IReadOnlyDictionary<string, string> DatabaseSecretKeys { get; } = new Dictionary<string, string>
        {
            ["Database__Postgres__Host"] = "host",
            ["Database__Postgres__Port"] = "port",
            ["Database__Postgres__Username"] = "username",
            ["Database__Postgres__Password"] = "password",
            ["Database__Postgres__Dbname"] = "dbname",
        };
    }
}
