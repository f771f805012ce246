// Start the NHS.UK frontend components (header menu, error summary focus, password input).
import { initAll } from '/nhsuk/nhsuk-frontend.min.js'

initAll()
