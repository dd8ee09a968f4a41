// UpdateFeatures (key 57), v0-2.
// This broker supports no finalized features (ApiVersions advertises none), so, as Kafka's controller answers for a
// feature it does not support, any level above 0 is INVALID_UPDATE_VERSION naming the feature; a negative level or an
// unknown upgrade type likewise; level 0 (delete) of a feature that is not finalized is a no-op success. The request is
// atomic as in Kafka: the first failure is the top-level error and (v0-1) the result of every feature.
// With an authorizer: ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
using Chronik.Broker.Dispatch;
using Chronik.Broker.Security;
using Chronik.Broker.Services;
using Chronik.Coordination.Acls;
using Chronik.Protocol.Messages;

namespace Chronik.Broker.Handlers;

/// <summary>Answers finalized feature updates for a broker that supports none.</summary>
public sealed class UpdateFeaturesHandler : ApiHandler<UpdateFeaturesRequest, UpdateFeaturesResponse>
{
    private const sbyte Upgrade = 1, SafeDowngrade = 2, UnsafeDowngrade = 3;
    private readonly ClusterView _cluster;
    private readonly IRequestAuthorizer _auth;

    public UpdateFeaturesHandler(ClusterView cluster, IRequestAuthorizer auth)
    {
        _cluster = cluster;
        _auth = auth;
    }

    public override ApiKey Key => ApiKey.UpdateFeatures;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<UpdateFeaturesResponse?> HandleAsync(RequestContext context, UpdateFeaturesRequest request, CancellationToken cancellationToken)
    {
        short v = context.ApiVersion;
        var response = new UpdateFeaturesResponse { ErrorMessage = null };
        var duplicate = request.FeatureUpdates.GroupBy(u => u.Feature, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        (ErrorCode Error, string? Message) outcome = !_auth.AuthorizeCluster(context, AclOperation.Alter)
            ? (ErrorCode.ClusterAuthorizationFailed, null)
            : duplicate is not null
            ? (ErrorCode.InvalidRequest, $"Feature {duplicate.Key} appears more than once in the request.")
            : (ErrorCode.None, null);
        foreach (var update in request.FeatureUpdates)
        {
            if (outcome.Error != ErrorCode.None) break;
            sbyte type = v == 0 ? (update.AllowDowngrade ? SafeDowngrade : Upgrade) : update.UpgradeType;
            outcome = Check(update.Feature, update.MaxVersionLevel, type);
        }
        response.ErrorCode = (short)outcome.Error;
        response.ErrorMessage = outcome.Message;
        if (v <= 1)
        {
            foreach (var update in request.FeatureUpdates)
            {
                response.Results.Add(new UpdateFeaturesResponse.UpdatableFeatureResult
                {
                    Feature = update.Feature,
                    ErrorCode = (short)outcome.Error,
                    ErrorMessage = outcome.Message,
                });
            }
        }
        return new(response);
    }

    private (ErrorCode, string?) Check(string feature, short level, sbyte upgradeType)
    {
        if (upgradeType is not (Upgrade or SafeDowngrade or UnsafeDowngrade)) return Invalid(feature, level, "The controller does not support the given upgrade type.");
        if (level < 0) return Invalid(feature, level, "A feature version cannot be less than 0.");
        if (level > 0) return Invalid(feature, level, $"Local controller {_cluster.NodeId} does not support this feature.");
        return (ErrorCode.None, null);
    }

    private static (ErrorCode, string?) Invalid(string feature, short level, string why) =>
        (ErrorCode.InvalidUpdateVersion, $"Invalid update version {level} for feature {feature}. {why}");
}
