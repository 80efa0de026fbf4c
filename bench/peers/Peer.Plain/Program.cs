using Pulse.Peers;

var builder = PeerApp.CreateBuilder(args);
var app = builder.Build();
PeerApp.MapRoutes(app);
app.Run();
