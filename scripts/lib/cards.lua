-- Shared pieces of the bot's messages: colours, orchestrator error text, success/failure embeds.
local cards = {}

cards.GREEN, cards.BLUE, cards.ORANGE, cards.RED, cards.GREY = 0x2ECC71, 0x3498DB, 0xE67E22, 0xE74C3C, 0x95A5A6

local function clip(text, limit)
  text = tostring(text or "")
  if #text <= limit then return text end
  local cut = utf8.offset(text, limit - 1) or limit
  return text:sub(1, cut - 1) .. "…"
end
cards.clip = clip

-- Neutralises markdown and mentions in text that came from an orchestrator or a user, so it shows as
-- written (allowed_mentions already stops pings; this keeps the text readable).
function cards.plain(text)
  text = tostring(text or ""):gsub("[%c]", " ")
  text = text:gsub("([\\*_`~|>])", "\\%1"):gsub("@", "@\u{200B}")
  return text
end

-- The user-facing sentence for an orc.lua error table.
function cards.orc_error(t, err)
  if type(err) ~= "table" then return tostring(err) end
  local key = err.kind
  if key == "invalid" then key = "invalid_" .. tostring(err.detail) end
  local detail = err.detail and clip(cards.plain(err.detail), 900) or t("orc.no_detail")
  return t("orc." .. key, { orc = cards.plain(err.orchestrator or "?"), status = err.status or 0, detail = detail })
end

function cards.embed(title, description, colour, fields)
  return {
    title = clip(title, 256),
    description = description and clip(description, 4096) or nil,
    color = colour,
    fields = fields,
  }
end

function cards.failure(t, title, err)
  return cards.embed("❌ " .. title, cards.orc_error(t, err), cards.RED)
end

return cards
