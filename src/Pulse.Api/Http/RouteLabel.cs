using Microsoft.AspNetCore.Http.Metadata;

namespace Pulse.Api.Http;

/// <summary>
/// The route template a group's own path reports in metrics. ASP.NET Core reports an endpoint mapped at
/// <c>MapGroup("/products")</c> + <c>MapGet("")</c> as <c>/products/</c>; the <c>endpoint</c> label of the
/// contract (docs/metrics.md, the load generator's summary) is <c>/products</c>. ASP.NET Core's hosting
/// metrics and Pulse's middleware both read the endpoint's last <see cref="IRouteDiagnosticsMetadata"/>,
/// so this one, added by the endpoint's own conventions, wins.
/// </summary>
internal sealed record RouteLabel(string Route) : IRouteDiagnosticsMetadata;
