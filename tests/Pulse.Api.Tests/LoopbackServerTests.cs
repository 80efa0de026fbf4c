namespace Pulse.Api.Tests;

public sealed class LoopbackServerTests
{
    [Fact]
    public async Task ServiceAnswersOnARealSocket()
    {
        await using var server = LoopbackServer.Start();

        Assert.Equal("127.0.0.1", server.Address.Host);
        Assert.NotEqual(0, server.Address.Port);
        Assert.Equal("""{"message":"Hello, World!"}""", await server.Client.GetStringAsync("/"));
    }
}
