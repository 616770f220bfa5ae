package io.tollgate.api.draft;

import io.tollgate.tenant.TenantId;

import java.util.Objects;
import java.util.Optional;

/**
 * The one way the worker gets a draft: the model's when a model is configured, the tenant's daily budget allows one
 * and the model answers; the built-in template's otherwise. The template never fails, so a ticket always gets a draft.
 *
 * <p>With no model URL this is the template alone and the budget table is never touched. With one, a draft is taken
 * from the tenant's {@link DraftBudget} before the model is called (so concurrent workers cannot overspend it, and a
 * call that then fails still counts: the budget bounds what the operator pays for). A spent budget, or any
 * {@link DraftException} from the model, gives the template's draft with the reason in
 * {@link Drafted#fallbackReason()}; a model failure is also logged once at WARNING with the tenant id and the reason,
 * never the customer's text.
 *
 * <p>A database failure while taking the budget is not hidden: the {@link io.tollgate.tenant.db.DataException} goes to
 * the caller, whose job is retried like any other database failure.
 */
public final class Drafting {
    private static final System.Logger LOG = System.getLogger(Drafting.class.getName());

    private final LlmSettings settings;
    private final DraftBudget budget;
    private final TemplateDraftWriter template;
    private final Optional<LlmDraftWriter> model;

    /**
     * @param budget may be null only when {@code settings} have no URL (it is not used then)
     */
    public Drafting(LlmSettings settings, DraftBudget budget, TemplateDraftWriter template) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.template = Objects.requireNonNull(template, "template");
        if (settings.enabled()) {
            this.budget = Objects.requireNonNull(budget, "budget");
            this.model = Optional.of(new LlmDraftWriter(settings));
        } else {
            this.budget = budget;
            this.model = Optional.empty();
        }
    }

    /** Whether drafts may come from a model (a URL is configured). */
    public boolean modelEnabled() {
        return model.isPresent();
    }

    /** The tenant's draft for {@code request}; never fails for a model's failure. */
    public Drafted write(TenantId tenant, DraftRequest request) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        if (model.isEmpty()) {
            return Drafted.template(template.write(request));
        }
        if (!budget.tryTake(tenant, settings.dailyBudget())) {
            String reason = "daily draft budget of " + settings.dailyBudget() + " spent";
            LOG.log(System.Logger.Level.DEBUG, () -> "draft by template: tenant=" + tenant + " " + reason);
            return Drafted.fallback(template.write(request), reason);
        }
        try {
            return Drafted.model(model.get().write(request));
        } catch (DraftException e) {
            LOG.log(System.Logger.Level.WARNING, "model draft failed, template used: tenant=" + tenant + " reason="
                    + e.reason());
            return Drafted.fallback(template.write(request), e.reason());
        }
    }
}
