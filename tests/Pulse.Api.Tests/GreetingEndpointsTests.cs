using System.Net;
using System.Text.Json;

namespace Pulse.Api.Tests;

public sealed class GreetingEndpointsTests(PulseApiFactory factory) : IClassFixture<PulseApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task RootSaysHelloWorld()
    {
        using var response = await _client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"message":"Hello, World!"}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("Ada", "Welcome Ada!")]
    [InlineData("Zoë O'Brien", "Welcome Zoë O'Brien!")]
    public async Task WelcomeGreetsByName(string name, string expected)
    {
        var body = await _client.GetFromJsonAsync<JsonElement>($"/Welcome?name={Uri.EscapeDataString(name)}");

        Assert.Equal(expected, body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task WelcomeAcceptsExactlyOneHundredCharacters()
    {
        using var response = await _client.GetAsync($"/Welcome?name={new string('a', 100)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/Welcome")]
    [InlineData("/Welcome?name=")]
    [InlineData("/Welcome?name=%20%20")]
    [InlineData("/Welcome?name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task WelcomeWithoutAUsableNameIsAProblemNamingTheParameter(string url)
    {
        using var response = await _client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out var errors), problem.ToString());
        Assert.Contains("name", errors[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorFailsOnPurposeWithTheSeedsBody()
    {
        using var response = await _client.GetAsync("/error");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("""{"error":"Intentional error for testing"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownPathIsANotFoundProblem()
    {
        using var response = await _client.GetAsync("/no/such/thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
