namespace Pulse.LoadGen.Engine;

/// <summary>
/// A request a scenario sends again and again without a body (<c>GET /</c>, <c>GET /Welcome?name=Ada</c>):
/// built once, so sending it allocates nothing but the request message itself.
/// </summary>
/// <param name="Endpoint">Index of the endpoint in the scenario's list.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Uri">Absolute address.</param>
/// <param name="ExpectedStatus">The status code the scenario expects; anything else is unexpected.</param>
internal sealed record RequestTemplate(int Endpoint, HttpMethod Method, Uri Uri, int ExpectedStatus);
