// Start the NHS.UK frontend components (header menu, error summary focus, password input).
import { initAll } from '/nhsuk/nhsuk-frontend.min.js'

// NHS.UK's radios and checkboxes mark an input that reveals a conditional question with
// aria-expanded, which ARIA does not allow on a radio or checkbox (axe: aria-allowed-attr);
// GOV.UK Frontend dropped it for that reason. aria-controls still links the input to what it
// reveals, so the attribute is removed whenever the component sets it.
new MutationObserver((changes) => {
  for (const { target } of changes) {
    if (target.matches('input[type="radio"], input[type="checkbox"]')) {
      target.removeAttribute('aria-expanded')
    }
  }
}).observe(document.body, { attributeFilter: ['aria-expanded'], subtree: true })

initAll()
