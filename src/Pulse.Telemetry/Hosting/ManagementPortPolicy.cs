using System.Collections.Immutable;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Pulse.Telemetry.Hosting;

/// <summary>Endpoint metadata: the endpoint is served only on connections to this local port.</summary>
/// <param name="Port">The management port.</param>
internal sealed record ManagementPortMetadata(int Port);

/// <summary>The ports that serve management endpoints and nothing else.</summary>
internal sealed class ManagementPorts
{
    private ImmutableHashSet<int> _ports = [];

    public ImmutableHashSet<int> All => Volatile.Read(ref _ports);

    /// <summary>Reserves <paramref name="port"/> for management endpoints; false when it already was.</summary>
    public bool Add(int port) => ImmutableInterlocked.Update(ref _ports, static (set, p) => set.Add(p), port);
}

/// <summary>
/// Routing by the connection's local port. An endpoint carrying <see cref="ManagementPortMetadata"/> matches
/// only requests that arrived on its port, and a management port matches only such endpoints: everything else
/// on it is not found. The local port, not the Host header that <c>RequireHost</c> matches: a client chooses
/// the Host header, so <c>Host: x:9464</c> sent to the public port would otherwise reach the exposition, and
/// behind a port mapping a scraper's Host header names the mapped port rather than the one listened on. Built
/// into the routing table (a node policy), so a request pays one port comparison, not a per-request policy.
/// </summary>
internal sealed class ManagementPortPolicy(ManagementPorts ports) : MatcherPolicy, INodeBuilderPolicy
{
    private static readonly object ServicePorts = new();

    /// <summary>Before the HTTP method policy (-1000): a management port never answers 405 for a route it does not serve.</summary>
    public override int Order => -1100;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return !ports.All.IsEmpty && endpoints.Count > 0;
    }

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var edges = new List<PolicyNodeEdge>();
        foreach (var port in ports.All)
        {
            var served = endpoints.Where(e => e.Metadata.GetMetadata<ManagementPortMetadata>()?.Port == port).ToList();
            if (served.Count > 0)
            {
                edges.Add(new PolicyNodeEdge(port, served));
            }
        }

        var service = endpoints.Where(e => e.Metadata.GetMetadata<ManagementPortMetadata>() is null).ToList();
        if (service.Count > 0)
        {
            edges.Add(new PolicyNodeEdge(ServicePorts, service));
        }

        return edges;
    }

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var reserved = ports.All.ToDictionary(port => port, _ => exitDestination);
        var service = exitDestination;
        foreach (var edge in edges)
        {
            if (edge.State is int port)
            {
                reserved[port] = edge.Destination;
            }
            else
            {
                service = edge.Destination;
            }
        }

        return new PortJumpTable(reserved, service);
    }

    private sealed class PortJumpTable(Dictionary<int, int> reserved, int service) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) =>
            reserved.TryGetValue(httpContext.Connection.LocalPort, out var destination) ? destination : service;
    }
}
