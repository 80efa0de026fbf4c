using Prometheus;
using Pulse.Peers;

// prometheus-net.AspNetCore's documented setup: HTTP request metrics by UseHttpMetrics(), served by MapMetrics().
var builder = PeerApp.CreateBuilder(args);
var app = builder.Build();
app.UseHttpMetrics();
PeerApp.MapRoutes(app);
app.MapMetrics();
app.Run();
