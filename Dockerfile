# syntax=docker/dockerfile:1
# The Pulse service image: built with the SDK, run on the ASP.NET Core runtime as the non-root `app` user,
# on port 8080, with a read-only root filesystem where only /tmp (a tmpfs) is writable.
# Build: docker build -t pulse-api .   Run: docker run --read-only --tmpfs /tmp -p 8080:8080 pulse-api
# (docs/local-stack.md).

# The SDK stage runs on the builder's own platform, never under CPU emulation, also in a multi-platform build
# (docker buildx --platform linux/amd64,linux/arm64): the output is IL, plus the native libraries of the
# target architecture that -a $TARGETARCH selects (set by BuildKit and buildah: amd64, arm64). Without it the
# publish output carries SQLite's native library for every platform NuGet knows, about 65 MB.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
# .dockerignore admits only the build settings and src/, so this copies no tests, docs, .git or .env.
COPY . .
# The cache mount keeps restored packages between builds without storing them in a layer.
RUN --mount=type=cache,id=pulse-nuget,target=/root/.nuget/packages \
    dotnet publish src/Pulse.Api/Pulse.Api.csproj -c Release -a $TARGETARCH -o /app/publish -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# Owned by root and not writable by the app user, as if the root filesystem were read-only even when it is not.
COPY --from=build /app/publish .
# ASPNETCORE_HTTP_PORTS=8080 is the base image's default, stated here because the healthcheck and compose
# depend on it. The default SQLite database lives on the /tmp tmpfs: the root filesystem is read-only.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Database__Sqlite__Path=/tmp/pulse.db
# The image's built-in non-root user (UID 1654 in the .NET 8+ images).
USER $APP_UID
EXPOSE 8080
# The service checks itself (`healthcheck` verb: GET /health/live, 3 s timeout, exit 0 on 200): no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["dotnet", "/app/Pulse.Api.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "/app/Pulse.Api.dll"]
