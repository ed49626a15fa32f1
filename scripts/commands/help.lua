-- /help: what each command does and the tips that save typing; private to whoever asked.
local i18n = require("i18n")
local cards = require("cards")
local ui = require("ui")

return {
  name = "help",
  description = "What peon-bot's commands do, with tips",
  name_localizations = i18n.localizations("help.cmd_name"),
  description_localizations = i18n.localizations("help.cmd_description"),
  capability = "view",
  ephemeral = true,
  handler = function(ctx)
    local t = i18n.for_ctx(ctx)
    local control = cards.plain(peon.config.control_channel or "peon")
    ctx:reply({
      ephemeral = true,
      embeds = { ui.embed{
        title = t("help.title"),
        description = t("help.intro"),
        color = cards.BLUE,
        fields = {
          { name = t("help.servers"), value = t("help.servers_text") },
          { name = t("help.overview"), value = t("help.overview_text") },
          { name = t("help.admin"), value = t("help.admin_text", { control = control }) },
          { name = t("help.automation"), value = t("help.automation_text") },
          { name = t("help.tips"), value = t("help.tips_text", { control = control }) },
        },
        footer = t("help.footer"),
      } },
    })
  end,
}
