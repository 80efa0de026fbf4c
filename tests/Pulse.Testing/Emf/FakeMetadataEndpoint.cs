using System.Net;
using System.Text;

namespace Pulse.Testing.Emf;

/// <summary>A stand-in for the ECS agent's task metadata endpoint on a loopback port.</summary>
public sealed class FakeMetadataEndpoint : IDisposable
{
    /// <summary>The shape of a version 4 task metadata response, trimmed to the fields read and a few others.</summary>
    public const string TaskJson = """
        {"Cluster":"arn:aws:ecs:eu-central-1:123456789012:cluster/pulse","TaskARN":"arn:aws:ecs:eu-central-1:123456789012:task/pulse/0123456789abcdef",
         "Family":"pulse-api","Revision":"7","DesiredStatus":"RUNNING","KnownStatus":"RUNNING","AvailabilityZone":"eu-central-1a","LaunchType":"FARGATE"}
        """;

    private readonly HttpListener _listener = new();
    private readonly List<string> _paths = [];
    private readonly Lock _lock = new();

    private FakeMetadataEndpoint(HttpStatusCode status, string body)
    {
        var port = FreePort.Next();
        BaseUri = $"http://127.0.0.1:{port}/v4/container-id";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = ServeAsync(status, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>What <c>ECS_CONTAINER_METADATA_URI_V4</c> would hold.</summary>
    public string BaseUri { get; }

    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_lock)
            {
                return [.. _paths];
            }
        }
    }

    public static FakeMetadataEndpoint Start(HttpStatusCode status, string body) => new(status, body);

    public void Dispose() => _listener.Close();

    private async Task ServeAsync(HttpStatusCode status, byte[] body)
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            lock (_lock)
            {
                _paths.Add(context.Request.Url!.AbsolutePath);
            }

            context.Response.StatusCode = (int)status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
