# Multi-stage build of the API. Used by docker-compose.yml; needs a Docker engine.
#   docker build -t smackdab-inventory-api .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first so the package layer is cached until a project file changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Smackdab.Inventory.Domain/Smackdab.Inventory.Domain.csproj src/Smackdab.Inventory.Domain/
COPY src/Smackdab.Inventory.Api/Smackdab.Inventory.Api.csproj src/Smackdab.Inventory.Api/
RUN dotnet restore src/Smackdab.Inventory.Api/Smackdab.Inventory.Api.csproj

COPY shared/ shared/
COPY docs/ docs/
COPY src/ src/
RUN dotnet publish src/Smackdab.Inventory.Api/Smackdab.Inventory.Api.csproj \
        -c Release --no-restore -o /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    DOTNET_NOLOGO=1
EXPOSE 8080
# Non-root user shipped with the official .NET images.
USER $APP_UID
ENTRYPOINT ["dotnet", "Smackdab.Inventory.Api.dll"]
