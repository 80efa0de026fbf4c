using Pulse.Telemetry.Formats.Prometheus;

namespace Pulse.Telemetry.Tests;

public sealed class PrometheusNamingTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", false, "http_server_request_duration_seconds")]
    [InlineData("http_request_duration_seconds", "s", false, "http_request_duration_seconds")]
    [InlineData("process_cpu_seconds_total", "s", true, "process_cpu_seconds_total")]
    [InlineData("process_cpu_seconds", "s", true, "process_cpu_seconds_total")]
    [InlineData("dotnet.gc.collections", "{collection}", true, "dotnet_gc_collections_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", true, "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("custom_process_open_fds", "{file_descriptor}", false, "custom_process_open_fds")]
    [InlineData("throughput", "By/s", false, "throughput_bytes_per_second")]
    [InlineData("cpu.utilization", "1", false, "cpu_utilization")]
    [InlineData("2xx.count", null, true, "_2xx_count_total")]
    [InlineData("weird..name", "ms", false, "weird_name_milliseconds")]
    [InlineData("db.client.operation.npgsql.bytes_written", "By", true, "db_client_operation_npgsql_bytes_written_total")]
    [InlineData("cache.seconds.saved", "s", false, "cache_seconds_saved")]
    public void MetricNamesFollowTheOpenTelemetryPrometheusRules(string name, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, counter));

    [Theory]
    [InlineData("http.route", "http_route")]
    [InlineData("gc.heap.generation", "gc_heap_generation")]
    [InlineData("__reserved", "_reserved")]
    [InlineData("9lives", "_9lives")]
    public void LabelNamesAreValid(string key, string expected) => Assert.Equal(expected, PrometheusNaming.LabelName(key));
}
